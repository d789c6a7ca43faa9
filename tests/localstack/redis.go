package localstack

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/airdisplay/platform/infra/local/stack"
)

// Redis is a client of the stack's Redis: a single node, or a cluster
// client over the three masters of the Redis Cluster profile.
func Redis(s *stack.Stack) redis.UniversalClient {
	addrs := strings.Split(s.RedisAddr, ",")
	if s.RedisType == "cluster" {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	}
	return redis.NewClient(&redis.Options{Addr: addrs[0]})
}

// ScanKeys lists the keys matching pattern on every master.
func ScanKeys(ctx context.Context, c redis.UniversalClient, pattern string) ([]string, error) {
	var mu sync.Mutex // ForEachMaster scans the masters in parallel
	var keys []string
	scan := func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, pattern, 1000).Iterator()
		var found []string
		for iter.Next(ctx) {
			found = append(found, iter.Val())
		}
		mu.Lock()
		keys = append(keys, found...)
		mu.Unlock()
		return iter.Err()
	}
	var err error
	if cc, ok := c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, scan)
	} else {
		err = scan(ctx, c.(*redis.Client))
	}
	return keys, err
}
