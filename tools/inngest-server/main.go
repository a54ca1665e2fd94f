// Command inngest is the Inngest server's `dev` and `start` commands, wired like the upstream
// cmd/main.go but without its telemetry and update check: the tests run it offline.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"
	_ "time/tzdata"

	"github.com/inngest/inngest/cmd/devserver"
	"github.com/inngest/inngest/cmd/start"
	"github.com/inngest/inngest/pkg/inngest/version"
	"github.com/urfave/cli/v3"
)

func main() {
	// As upstream: UTC everywhere, whatever /etc/localtime says.
	os.Setenv("TZ", "UTC")
	time.Local = time.UTC
	// The server sends usage events to Inngest unless told not to; this build never should.
	os.Setenv("DO_NOT_TRACK", "1")
	os.Setenv("INNGEST_NO_UPDATE_NOTIFIER", "1")
	// Report the module version this binary was built from (upstream sets it with -ldflags).
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/inngest/inngest" {
				version.Version = strings.TrimPrefix(dep.Version, "v")
			}
		}
	}

	app := &cli.Command{
		Name:    "inngest",
		Usage:   "Inngest server " + version.Version + " (dev and start), built for netbox-pdm's tests",
		Version: version.Version,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "Output logs as JSON."},
			&cli.StringFlag{Name: "log-level", Aliases: []string{"l"}, Value: "info", Usage: "trace, debug, info, warn or error"},
		},
		Before: func(ctx context.Context, cmd *cli.Command) (context.Context, error) {
			if cmd.Bool("json") {
				os.Setenv("LOG_HANDLER", "json")
			}
			if os.Getenv("LOG_LEVEL") == "" {
				os.Setenv("LOG_LEVEL", cmd.String("log-level"))
			}
			return ctx, nil
		},
		Commands: []*cli.Command{devserver.Command(), start.Command()},
	}
	if err := app.Run(context.Background(), os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
