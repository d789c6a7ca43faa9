// Command etcd is upstream etcd's server main, built here so the kind node
// image can carry the etcd kubeadm expects without pulling registry.k8s.io/etcd.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
