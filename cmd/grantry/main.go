// Command grantry runs a Grantry authorization server and administers its
// clients and users. Run grantry help for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/grantry/grantry/internal/daemon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := daemon.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}
