package localstack

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/airdisplay/platform/infra/local/stack"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
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

// StoreKey is the Redis key of a job store key: the jobstore component
// (keyPrefix "name") keeps each as a hash under "jobstore||<key>", its
// value in the field "data".
func StoreKey(key string) string { return "jobstore||" + key }

// Records reads the records of jobs straight from Redis, bypassing the
// sidecars the tests check; a job without a readable record is missing
// from the map.
func Records(ctx context.Context, c redis.UniversalClient, ids []string) map[string]contract.Record {
	out := make(map[string]contract.Record, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		pipe := c.Pipeline()
		cmds := make([]*redis.StringCmd, len(chunk))
		for i, id := range chunk {
			cmds[i] = pipe.HGet(ctx, StoreKey(contract.RecordKey(id)), "data")
		}
		_, _ = pipe.Exec(ctx) // a missing key is a missing record
		for i, id := range chunk {
			var r contract.Record
			if v := cmds[i].Val(); v != "" && json.Unmarshal([]byte(v), &r) == nil {
				out[id] = r
			}
		}
	}
	return out
}
