// Command tfreport prints Terraform's JSON output the way make
// test-terraform reports it.
//
//	terraform validate -json | tfreport validate DIR   # exit 1 on any diagnostic
//	tfreport test DIR < test.jsonl                     # summary, then failures
package main

import (
	"fmt"
	"os"

	"github.com/airdisplay/platform/infra/terraform/standin/report"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tfreport validate|test DIR < json")
		os.Exit(2)
	}
	dir := os.Args[2]
	switch os.Args[1] {
	case "validate":
		lines, err := report.Validate(os.Stdin, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tfreport:", err)
			os.Exit(2)
		}
		for _, l := range lines {
			fmt.Println(l)
		}
		if len(lines) > 0 {
			os.Exit(1)
		}
	case "test":
		summary, problems, err := report.Test(os.Stdin, dir)
		fmt.Println(summary)
		for _, p := range problems {
			fmt.Println(p)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "tfreport:", err)
			os.Exit(2)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: tfreport validate|test DIR < json")
		os.Exit(2)
	}
}
