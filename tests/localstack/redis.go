package localstack

import (
	"context"
	"strings"

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
	var keys []string
	scan := func(ctx context.Context, node *redis.Client) error {
		iter := node.Scan(ctx, 0, pattern, 1000).Iterator()
		var found []string
		for iter.Next(ctx) {
			found = append(found, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return err
		}
		keys = append(keys, found...)
		return nil
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		// One master at a time: scan appends to keys.
		var err error
		for _, addr := range cc.Options().Addrs {
			node := redis.NewClient(&redis.Options{Addr: addr})
			if err == nil {
				if role, rerr := node.Do(ctx, "ROLE").Slice(); rerr == nil && len(role) > 0 && role[0] == "master" {
					err = scan(ctx, node)
				}
			}
			node.Close()
		}
		return keys, err
	}
	return keys, scan(ctx, c.(*redis.Client))
}
