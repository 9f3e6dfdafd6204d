package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// newLogger returns a logger writing text or JSON at the given level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

// logFailure logs a failed step of a request at ERROR, or at INFO as a
// cancelled request when the client went away first (its context was
// cancelled): a client that disconnects is not a fault of the server.
func (a *app) logFailure(ctx context.Context, msg string, err error) {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		a.log.LogAttrs(ctx, slog.LevelInfo, "request cancelled by the client", slog.String("step", msg))
		return
	}
	a.log.LogAttrs(ctx, slog.LevelError, msg, slog.Any("error", err))
}
