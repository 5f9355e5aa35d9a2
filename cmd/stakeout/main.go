// Command stakeout is the one binary of stakeout: campaigns, scheduler, workers and
// results. See `stakeout --help`.
package main

import (
	"os"

	"github.com/stakeoutcx/stakeout/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
