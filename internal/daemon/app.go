package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
)

// app is the running server: the authorization server, its pages and its
// operational endpoints over one backend.
type app struct {
	cfg      *serveConfig
	log      *slog.Logger
	store    *backend
	oauth    *authserver.Server
	openid   *openid.Provider
	userInfo http.Handler
	// metadata serves the one metadata document at both its paths.
	metadata http.Handler
	// logoutNotifier tells clients of ended sessions (Back-Channel
	// Logout).
	logoutNotifier *openid.Notifier
	logoutDrain    time.Duration // logoutDrainInterval but in tests
	sessions       *sessions
	pages          *pages
	auth           *userAuth
	metrics        *metrics
	// kek seals the signing keys and the keys in the settings.
	kek *kek
	// sessionKeys reloads the session keys from the settings, so that a
	// rotation by another process takes effect; nil when they are
	// configured or the store has no settings.
	sessionKeys *settingKeys
	// keyManager keeps the signing keys and keys holds the current ones,
	// reloaded every keyReloadInterval; see signingKeys.
	keyManager *keyset.Manager
	keys       atomic.Pointer[keyset.Set]
	keyReload  time.Duration // keyReloadInterval but in tests
	// sealer seals with the key-encryption key: the signing keys and the
	// secrets of client_secret_jwt clients.
	sealer *keyset.Sealer
	// revoke and introspect are the optional endpoints' handlers, and
	// pushAuth the pushed authorization request endpoint's, nil unless
	// --par.
	revoke, introspect, pushAuth http.Handler
	// register is dynamic client registration; nil when off.
	register http.Handler
	// par keeps pushed authorization requests, and the requests the
	// pages refer to by request_uri.
	par *par.Endpoint
	// device is the device authorization grant (RFC 8628) and
	// deviceAuth its endpoint's handler, nil unless --grants names it;
	// deviceThrottle counts wrong user codes.
	device         *devicecode.Grant
	deviceAuth     http.Handler
	deviceThrottle *throttle
	// draining is set on shutdown: /readyz answers 503 from then on.
	draining atomic.Bool
	// drainWait waits out the drain delay; time.Sleep but in tests.
	drainWait func(time.Duration)
}

// endpointNames label the metrics of each route.
var endpointNames = []string{
	"authorize", "token", "revocation", "introspection", "registration", "par", "device_authorization", "device", "metadata",
	"jwks", "userinfo", "login", "logout", "home", "static", "healthz", "readyz", "metrics", "other",
}

// newApp assembles the server over an open backend.
func newApp(ctx context.Context, cfg *serveConfig, b *backend, log *slog.Logger) (*app, error) {
	grants, err := cfg.grantTypes()
	if err != nil {
		return nil, err
	}
	k, sealer, err := openKEK(ctx, &cfg.kek, b)
	if err != nil {
		return nil, err
	}
	sk, err := newSettingKeys(b, k)
	if err != nil {
		return nil, err
	}
	ring, err := sessionKey(ctx, cfg, b, sk, log)
	if err != nil {
		return nil, err
	}
	sess, err := newSessions(b.sessions, ring.Current, !cfg.InsecureDev, cfg.SessionLifetime, time.Now)
	if err != nil {
		return nil, err
	}
	if err := sess.setKeys(ring); err != nil {
		return nil, err
	}
	a := &app{
		cfg: cfg, log: log, store: b, sessions: sess, pages: loadPages(), kek: k, sealer: sealer,
		auth: newUserAuth(b.users, nil), metrics: newMetrics(endpointNames, grants),
		drainWait: time.Sleep, keyReload: keyReloadInterval, logoutDrain: logoutDrainInterval,
	}
	a.metrics.signIns = a.auth.refused
	if !cfg.sessionKeyGiven() && b.settings != nil {
		a.sessionKeys = sk
	}
	if a.openid, err = newProvider(ctx, cfg, b, sk, a.signingKeys, log); err != nil {
		return nil, err
	}
	if err := sk.scrub(ctx, b, log); err != nil {
		return nil, err
	}
	a.logoutNotifier = openid.NewNotifier(a.openid, openid.NotifierConfig{Logger: log})
	dp, err := dpopConfig(cfg, b, ring.Current)
	if err != nil {
		return nil, err
	}
	if a.oauth, err = newAuthServer(cfg, b, a.auth, a.metrics, a.openid, a.signingKeys, sealer, dp, log); err != nil {
		return nil, err
	}
	a.metadata = a.oauth.MetadataHandler()
	a.userInfo = a.openid.UserInfo(openid.UserInfoConfig{Tokens: b.tokens, Clients: b.clients, Logger: log})
	a.revoke, a.introspect = a.registerEndpoints()
	if a.register, err = a.registerRegistration(); err != nil {
		return nil, err
	}
	a.pushAuth = a.registerPAR()
	if a.deviceAuth, err = a.registerDevice(grants); err != nil {
		return nil, err
	}
	if err := a.initKeys(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// sessionKey returns the keys of the CSRF tokens of the pages: the
// configured one, or those generated once and kept in the database,
// sealed, so that every process sharing the database accepts every form;
// `grantry keys rotate-session-key` replaces them.
func sessionKey(ctx context.Context, cfg *serveConfig, b *backend, sk *settingKeys, log *slog.Logger) (*keyring, error) {
	if k, err := cfg.sessionKey(); k != nil || err != nil {
		if err != nil {
			return nil, err
		}
		if b.settings != nil {
			// Seal a key an earlier version kept in clear, though unused.
			if _, err := sharedKeys(ctx, b, sk, settingSessionKey, "", log); err != nil {
				return nil, err
			}
		}
		return &keyring{Current: k}, nil
	}
	return sharedKeys(ctx, b, sk, settingSessionKey,
		"this store cannot share a session key: forms are valid in this process only; set "+envName("session-key"), log)
}

// handler returns the routes of the server.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern, endpoint string, h http.HandlerFunc) {
		mux.Handle(pattern, a.route(endpoint, h))
	}
	handle("/authorize", "authorize", a.serveAuthorize)
	handle("/token", "token", func(w http.ResponseWriter, r *http.Request) { a.oauth.ServeToken(w, withRemote(r)) })
	handle(jwksPath, "jwks", a.serveJWKS)
	handle(userInfoPath, "userinfo", a.userInfo.ServeHTTP)
	handle(openid.DiscoveryPath, "metadata", a.metadata.ServeHTTP)
	handle("/login", "login", a.serveLogin)
	handle("/logout", "logout", a.serveLogout)
	handle("/{$}", "home", a.serveHome)
	handle("GET /static/grantry.css", "static", serveStylesheet)
	handle("/healthz", "healthz", serveHealth)
	handle("/readyz", "readyz", a.serveReady)
	a.mountEndpoints(handle)
	handle("/", "other", a.serveNotFound)
	return mux
}

// oauthEndpoint reports whether an endpoint answers with OAuth errors,
// whose codes the metrics count: the authorization server reports them
// through Events.Failed (noteFailure).
func oauthEndpoint(name string) bool {
	switch name {
	case "authorize", "token", "revocation", "introspection", "registration", "par", "device_authorization":
		return true
	}
	return false
}

// route wraps a handler to count its requests, latency and errors under an
// endpoint name and to log it.
func (a *app) route(endpoint string, h http.HandlerFunc) http.Handler {
	e := a.metrics.endpoints[endpoint]
	quiet := endpoint == "healthz" || endpoint == "readyz" || endpoint == "metrics" || endpoint == "static"
	oauth := oauthEndpoint(endpoint)
	hsts := a.servesHTTPS()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if hsts {
			w.Header().Set("Strict-Transport-Security", hstsPolicy)
		}
		rec := &recorder{ResponseWriter: w}
		var failed *failure // set at OAuth endpoints only
		if oauth {
			r, failed = withFailure(r)
		}
		h(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		e.observe(rec.status, d)
		code := failed.errorCode()
		if code != "" {
			a.metrics.countError(endpoint, code)
		}
		level := slog.LevelInfo
		if quiet {
			level = slog.LevelDebug
		}
		a.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", d), slog.String("error", code))
	})
}

// hstsPolicy keeps browsers on https for a year once they have seen the
// server over it (RFC 6797 §6.1). Subdomains are left alone: they may be
// other services.
const hstsPolicy = "max-age=31536000"

// servesHTTPS reports whether browsers reach the server over https: it
// serves TLS itself, or its issuer, the URL users see, is https (as
// behind a TLS-terminating proxy).
func (a *app) servesHTTPS() bool {
	return a.cfg.TLSCert != "" || strings.HasPrefix(a.cfg.Issuer, "https://")
}

// adminHandler returns the routes of the admin listener: /metrics, the
// health checks, and the Go profiler with --pprof. None of them is on the
// public listener: metrics and profiles tell an attacker much, and the
// admin listener is on loopback unless the operator says otherwise.
func (a *app) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.route("metrics", a.metrics.serveMetrics))
	mux.Handle("/healthz", a.route("healthz", serveHealth))
	mux.Handle("/readyz", a.route("readyz", a.serveReady))
	if a.cfg.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/", http.NotFoundHandler())
	return mux
}
