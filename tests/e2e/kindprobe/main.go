// Command kindprobe is the workload of the kind cluster test
// (cluster_test.go): a tiny image built on the test machine, never pulled.
//
//	kindprobe serve          answer GET / with the pod's name on :8080
//	kindprobe check SERVICE  from inside the cluster: resolve the API's and
//	                         SERVICE's DNS names, call SERVICE through its
//	                         Service address, and the API server through
//	                         the kubernetes Service; exit 1 on any failure
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kindprobe serve | check SERVICE")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		host, _ := os.Hostname()
		http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "kindprobe %s\n", host) })
		srv := &http.Server{Addr: ":8080", ReadHeaderTimeout: 5 * time.Second}
		fmt.Println(srv.ListenAndServe())
		os.Exit(1)
	case "check":
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: kindprobe check SERVICE")
			os.Exit(2)
		}
		if !check(os.Args[2]) {
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

// check prints one line per probe, "ok" or "FAIL", and reports all passed.
func check(service string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ok := true
	report := func(what string, err error, detail string) {
		if err != nil {
			ok = false
			fmt.Printf("FAIL %s: %v\n", what, err)
			return
		}
		fmt.Printf("ok   %s: %s\n", what, detail)
	}

	for _, name := range []string{"kubernetes.default.svc.cluster.local", service} {
		addrs, err := net.DefaultResolver.LookupHost(ctx, name)
		report("dns "+name, err, fmt.Sprint(addrs))
	}

	client := &http.Client{Timeout: 10 * time.Second}
	body, err := get(ctx, client, "http://"+service+":8080/")
	report("service http://"+service+":8080/", err, body)

	// The API server through the kubernetes Service's cluster IP, verified
	// with the pod's service-account CA and token.
	ca, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")
	if err != nil {
		report("service account", err, "")
		return false
	}
	token, _ := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/token")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	api := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "kubernetes.default.svc"}}}
	addr := net.JoinHostPort(os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT"))
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/version", nil)
	req.Header.Set("Authorization", "Bearer "+string(token))
	resp, err := api.Do(req)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s", resp.Status, b)
		} else {
			body = string(b)
		}
	}
	report("api server https://"+addr+"/version", err, body)
	return ok
}

func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", resp.Status)
	}
	return string(b), err
}
