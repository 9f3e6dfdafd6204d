package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/grantry/grantry/internal/origin"
)

// cmdServe runs the server until ctx is done (SIGINT or SIGTERM), then lets
// in-flight requests finish.
func cmdServe(ctx context.Context, env *environment, args []string) error {
	cfg := &serveConfig{}
	fs := env.flagSet("serve", "", "Run the authorization server with its sign-in and consent pages.")
	cfg.register(fs)
	_, warnings, err := parseSettings(fs, args, env.getenv)
	if err != nil {
		return err
	}
	cfg.kek.lookup(env.getenv)
	if err := cfg.check(); err != nil {
		return err
	}
	log, err := newLogger(env.stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	if tuneGC(env.getenv, cfg.db) {
		log.Debug("garbage collector", slog.Int("GOGC", serveGCPercent))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }()
	cfg.listening(ln.Addr())
	var adminLn net.Listener
	if cfg.AdminAddr != "" {
		if adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			return fmt.Errorf("--admin-addr: %w", err)
		}
		defer func() { _ = adminLn.Close() }()
	}
	b, err := openStore(ctx, cfg.db, cfg.Redis)
	if err != nil {
		return err
	}
	defer func() { _ = b.close() }()
	for _, w := range b.warnings {
		log.Warn(w)
	}
	a, err := newApp(ctx, cfg, b, log)
	if err != nil {
		return err
	}
	a.announce(ctx, ln.Addr().String())
	a.announceAdmin(adminLn)
	if adminLn != nil {
		stop := a.serveAdmin(adminLn)
		defer stop()
	}
	return a.run(ctx, ln)
}

// announceAdmin logs where the admin listener listens, warning when it is
// reachable from other hosts.
func (a *app) announceAdmin(ln net.Listener) {
	if ln == nil {
		a.log.Info("no admin listener: /metrics is not served")
		return
	}
	addr := ln.Addr().String()
	a.log.Info("admin listening", slog.String("addr", addr), slog.Bool("pprof", a.cfg.Pprof))
	if host, _, _ := net.SplitHostPort(addr); !origin.Loopback(host) {
		a.log.Warn("the admin listener is reachable from other hosts: /metrics, and /debug/pprof with --pprof, have no authentication", slog.String("addr", addr))
	}
}

// serveAdmin serves the admin routes on ln until the returned function
// is called.
func (a *app) serveAdmin(ln net.Listener) (stop func()) {
	hs := &http.Server{
		Handler:           a.adminHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      5 * time.Minute, // a CPU profile takes 30 s by default
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("admin listener failed", slog.Any("error", err))
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}
}

// announce logs where the server listens, and how to create a client when
// there is none yet.
func (a *app) announce(ctx context.Context, addr string) {
	a.log.Info("grantry listening", slog.String("addr", addr), slog.String("issuer", a.cfg.Issuer),
		slog.String("db", redactDSN(a.cfg.db)), slog.Any("grants", a.cfg.Grants.vals))
	clients, err := a.store.clients.ListClients(ctx)
	if err == nil && len(clients) == 0 {
		a.log.Info("no clients yet; create one with: grantry client create --name NAME --redirect-uri URL (add --db as for serve)")
	}
	users, err := a.store.accounts.ListUsers(ctx)
	if err == nil && len(users) == 0 {
		a.log.Info("no users yet; create one with: grantry user create NAME")
	}
}

// run serves on ln, purges expired codes, tokens, sessions and signing
// keys, reloads the signing keys and sends queued back-channel logouts,
// until ctx is done, then shuts down gracefully: /readyz fails at once,
// requests are still served for DrainDelay, then the listener closes,
// in-flight requests get ShutdownTimeout to finish and back-channel
// logouts as long again.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	defer a.finishLogouts()
	defer a.background(ctx)() // also stopped when serving fails
	return serveUntil(ctx, hs, ln, a.cfg.TLSCert, a.cfg.TLSKey, a.cfg.ShutdownTimeout, func() {
		a.draining.Store(true)
		if d := a.cfg.DrainDelay; d > 0 {
			a.log.Info("shutting down: /readyz fails, serving on", slog.Duration("drain_delay", d))
			a.drainWait(d)
		}
		a.log.Info("shutting down: finishing in-flight requests", slog.Duration("timeout", a.cfg.ShutdownTimeout))
	})
}

// background starts the loops that purge expired records, reload the
// signing keys and send queued back-channel logouts, until ctx is done or
// the returned function is called, which waits for them to stop.
func (a *app) background(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){a.purgeLoop, a.keyLoop, a.logoutLoop} {
		wg.Go(func() { loop(ctx) })
	}
	return func() { cancel(); wg.Wait() }
}

// finishLogouts gives the back-channel logout notifications under way
// ShutdownTimeout to be delivered.
func (a *app) finishLogouts() {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := a.logoutNotifier.Wait(ctx); err != nil {
		a.log.Warn("shutting down: back-channel logout notifications left undelivered")
	}
}

// serveUntil serves hs on ln until ctx is done, calls onDrain, and shuts
// hs down, waiting up to timeout for in-flight requests.
func serveUntil(ctx context.Context, hs *http.Server, ln net.Listener, cert, key string, timeout time.Duration, onDrain func()) error {
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- hs.ServeTLS(ln, cert, key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		ln.Close() // Serve closes it, but not when the TLS files fail to load
		return err
	case <-ctx.Done():
	}
	onDrain()
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
