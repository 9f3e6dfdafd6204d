package daemon

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/storage"
)

// serveConfig is the configuration of grantry serve.
// defaultAccessTokenLifetime is the access token lifetime of grantry
// serve: short, as RFC 9700 §4.14 advises for bearer tokens; the library's
// per-grant defaults are longer.
const defaultAccessTokenLifetime = time.Hour

// defaultAdminAddr is where the admin listener listens unless
// --admin-addr says otherwise: loopback only.
const defaultAdminAddr = "127.0.0.1:9464"

type serveConfig struct {
	commonFlags
	// kek says where the key-encryption key of the signing keys is.
	kek kekFlags
	// algs are the algorithms of the signing keys.
	algs   algFlags
	Addr   string
	Issuer string
	Redis  string
	// Grants are the grant types the server accepts.
	Grants *listFlag
	// Scopes are the scopes the server knows; empty allows any scope a
	// client is registered with.
	Scopes string
	// InsecureDev drops the Secure attribute of cookies so that the pages
	// work over plain http; allowed only on loopback with a loopback issuer.
	InsecureDev bool
	// SessionKey is --session-key, from the environment or the config
	// file only; SessionKeyFile names a file that holds it.
	SessionKey      string
	SessionKeyFile  string
	SessionLifetime time.Duration
	TLSCert, TLSKey string
	ShutdownTimeout time.Duration
	// AdminAddr is where /metrics (and /debug/pprof with Pprof) are
	// served, apart from the public listener; "" serves none.
	AdminAddr string
	// Pprof serves the Go profiler on the admin listener.
	Pprof bool
	// DrainDelay is how long /readyz fails, while requests are still
	// served, before the listener closes on shutdown: time for a load
	// balancer to stop sending new requests.
	DrainDelay time.Duration
	// PurgeInterval is how often expired codes, tokens and signing keys
	// are deleted; zero never.
	PurgeInterval  time.Duration
	RequirePKCE    bool
	AllowPKCEPlain bool
	// RefreshLifetime is how long a refresh token lives; with
	// RefreshAbsolute, how long a grant may be refreshed at all.
	RefreshLifetime time.Duration
	// AccessTokenLifetime is how long an access token lives, whatever
	// the grant.
	AccessTokenLifetime time.Duration
	RefreshAbsolute     bool
	// RefreshGrace is how long a rotated refresh token, presented again,
	// gets the same new tokens rather than revoking its grant; zero never.
	RefreshGrace time.Duration
	// DPoP accepts DPoP proofs at the token endpoint (RFC 9449);
	// DPoPNonce requires server nonces in them, and RequireDPoPPublic
	// requires them from public clients.
	DPoP              bool
	DPoPNonce         bool
	RequireDPoPPublic bool
	// Introspectors are the clients, resource servers, that may
	// introspect every token; any other client only its own.
	Introspectors *listFlag
	// Registration says who may register clients at /register (RFC 7591):
	// nobody (off), anyone (open), or holders of an initial access token
	// (token).
	Registration string
	// PAR mounts the pushed authorization request endpoint (RFC 9126);
	// RequirePAR makes every client push its requests, and implies PAR.
	PAR         bool
	RequirePAR  bool
	PARLifetime time.Duration
	// RequestObjects accepts signed request objects (RFC 9101) from
	// clients with registered keys; RequireSignedRequestObject makes
	// every client send them.
	RequestObjects             bool
	RequireSignedRequestObject bool
	// AccessTokenFormat is the format of the access tokens of clients
	// that name none: opaque, or jwt (RFC 9068).
	AccessTokenFormat string
	// JWTBearerIssuers is the JSON file of the issuers whose assertions
	// the JWT bearer grant accepts.
	JWTBearerIssuers string
	// DeviceLifetime is how long the codes of the device authorization
	// grant (RFC 8628) live, and DeviceInterval the least time between
	// a device's polls.
	DeviceLifetime time.Duration
	DeviceInterval time.Duration
	// TokenExchangePolicy is the JSON file of the token exchange policy
	// (RFC 8693): trusted issuers, audiences, what clients may do.
	TokenExchangePolicy string
	// exchangePolicy is the policy check read from it.
	exchangePolicy *exchangePolicy

	// issuerDefaulted is set when check filled in Issuer from Addr.
	issuerDefaulted bool
}

// The values of --registration.
const (
	registrationOff   = "off"
	registrationOpen  = "open"
	registrationToken = "token"
)

// defaultGrants are enabled unless --grants says otherwise; implicit and
// password are off (RFC 9700 §2.1.2, §2.4).
var defaultGrants = []string{
	string(grantry.GrantAuthorizationCode),
	string(grantry.GrantRefreshToken),
	string(grantry.GrantClientCredentials),
}

var supportedGrants = []grantry.GrantType{
	grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantClientCredentials,
	grantry.GrantImplicit, grantry.GrantPassword, grantry.GrantJWTBearer, grantry.GrantDeviceCode, grantry.GrantTokenExchange,
}

// grantAliases are short names of grant types whose name is a URN.
var grantAliases = map[string]grantry.GrantType{
	"device_code":    grantry.GrantDeviceCode,
	"token-exchange": grantry.GrantTokenExchange,
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.commonFlags.register(fs)
	c.kek.register(fs)
	c.algs.register(fs)
	c.Grants = newList(defaultGrants...)
	c.Introspectors = newList()
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on, HOST:PORT")
	fs.StringVar(&c.Issuer, "issuer", "", "issuer URL (RFC 8414); default http(s)://ADDR when ADDR is a loopback host")
	fs.StringVar(&c.Redis, "redis", "", "redis:// URL: keep authorization codes, pushed authorization requests and the jti replay cache in Redis")
	fs.Var(c.Grants, "grants", "comma-separated `list` of grant types to enable: authorization_code, refresh_token, client_credentials, implicit, password, device_code (RFC 8628, with the verification page at /device), "+string(grantry.GrantJWTBearer)+" (with --jwt-bearer-issuers), token-exchange (RFC 8693)")
	fs.StringVar(&c.Scopes, "scopes", "", "space-separated scopes the server knows; empty allows any scope a client is registered with")
	fs.BoolVar(&c.InsecureDev, "insecure-dev", false, "development only, loopback only: cookies without the Secure attribute, for plain http")
	fs.StringVar(&c.SessionKey, "session-key", "", "base64url 32-byte key of the CSRF tokens of the sign-in and consent forms, from "+envName("session-key")+" or the config file only, never the command line; default: one generated once and kept in the database, sealed")
	fs.StringVar(&c.SessionKeyFile, "session-key-file", "", "`file` holding --session-key, mode 0600 or stricter")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", 12*time.Hour, "how long a sign-in lasts")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate file: serve https")
	fs.StringVar(&c.TLSKey, "tls-key", "", "PEM private key file of --tls-cert")
	fs.StringVar(&c.AdminAddr, "admin-addr", defaultAdminAddr, "`HOST:PORT` of the admin listener, which serves /metrics (and /debug/pprof with --pprof), apart from the public one; \"\" serves none; keep it on loopback or a private network")
	fs.BoolVar(&c.Pprof, "pprof", false, "serve the Go profiler at /debug/pprof/ on the admin listener")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may run after SIGTERM")
	fs.DurationVar(&c.DrainDelay, "drain-delay", 0, "on SIGTERM, how long /readyz fails while requests are still served, before the listener closes (set it above the load balancer's readiness period)")
	fs.DurationVar(&c.PurgeInterval, "purge-interval", 10*time.Minute, "how often to delete codes, tokens and sign-in sessions expired for over an hour, and expired signing keys; 0 never")
	fs.BoolVar(&c.RequirePKCE, "require-pkce", false, "require PKCE from every client, not only public ones")
	fs.Var(c.Introspectors, "introspectors", "comma-separated `list` of client IDs (resource servers) that may introspect every token; any other client may introspect only its own")
	fs.BoolVar(&c.AllowPKCEPlain, "allow-pkce-plain", false, "accept the plain PKCE method besides S256")
	fs.DurationVar(&c.AccessTokenLifetime, "access-token-lifetime", defaultAccessTokenLifetime, "how long an access token lives, whatever the grant")
	fs.DurationVar(&c.RefreshLifetime, "refresh-lifetime", authserver.DefaultRefreshLifetime, "how long a refresh token lives after its issue")
	fs.StringVar(&c.Registration, "registration", registrationOff, "dynamic client registration at /register (RFC 7591, RFC 7592): off, open (anyone may register a client) or token (only with an initial access token from grantry registration-token create)")
	fs.BoolVar(&c.PAR, "par", false, "serve the pushed authorization request endpoint (RFC 9126) at /par")
	fs.BoolVar(&c.RequirePAR, "require-par", false, "require every client to push its authorization requests (RFC 9126 §5); implies --par")
	fs.DurationVar(&c.PARLifetime, "par-lifetime", 60*time.Second, "how long the request_uri of a pushed authorization request may be used")
	fs.BoolVar(&c.RequestObjects, "request-objects", true, "accept signed request objects (RFC 9101, the request parameter, pushed or not) from clients with registered keys (--jwks-uri or --jwks-file)")
	fs.BoolVar(&c.RequireSignedRequestObject, "require-signed-request-object", false, "require every client to send its authorization requests as signed request objects (RFC 9101 §10.5); implies --request-objects")
	fs.StringVar(&c.AccessTokenFormat, "access-token-format", storage.AccessTokenOpaque, "`FORMAT` of the access tokens of clients that name none: opaque, or jwt (RFC 9068, signed with the server's keys, validated by resource servers with the jwks_uri)")
	fs.StringVar(&c.JWTBearerIssuers, "jwt-bearer-issuers", "", "JSON `file` of the issuers whose assertions the "+string(grantry.GrantJWTBearer)+" grant accepts: an array of {issuer, jwks_uri or jwks, subjects or any_subject, scope, clients, algorithms}")
	fs.StringVar(&c.TokenExchangePolicy, "token-exchange-policy", "", "JSON `FILE` of the token exchange policy (RFC 8693, --grants token-exchange): trusted JWT issuers, the audiences clients may ask for, which clients may exchange others' tokens, impersonate or delegate")
	fs.DurationVar(&c.DeviceLifetime, "device-code-lifetime", devicecode.DefaultLifetime, "how long the device and user codes of the device_code grant live (RFC 8628 §3.2 expires_in)")
	fs.DurationVar(&c.DeviceInterval, "device-poll-interval", devicecode.DefaultInterval, "least time between a device's polls of the token endpoint, whole seconds (RFC 8628 §3.2 interval); a device polling sooner gets slow_down")
	fs.DurationVar(&c.RefreshGrace, "refresh-grace", 0, "for how long after a refresh the refresh token it replaced, presented again (a lost answer, two tabs), gets the same new tokens instead of revoking the sign-in as a reuse; 0 never, at most 5m")
	fs.BoolVar(&c.DPoP, "dpop", true, "accept DPoP proofs (RFC 9449) at the token endpoint: a client that sends one gets tokens bound to its key (token_type DPoP)")
	fs.BoolVar(&c.DPoPNonce, "dpop-nonce", false, "require a server nonce (DPoP-Nonce) in every DPoP proof at the token endpoint; a client without one is answered use_dpop_nonce")
	fs.BoolVar(&c.RequireDPoPPublic, "require-dpop-public", false, "refuse token requests of public clients without a DPoP proof; implies --dpop")
	fs.BoolVar(&c.RefreshAbsolute, "refresh-absolute", false, "rotated refresh tokens keep the expiry of the first: a sign-in ends --refresh-lifetime after it began, however often it is refreshed")
}

// check validates the configuration and fills in the issuer.
func (c *serveConfig) check() error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", c.Addr, err)
	}
	if c.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			return fmt.Errorf("--admin-addr %q: %w", c.AdminAddr, err)
		}
	}
	if c.Pprof && c.AdminAddr == "" {
		return errors.New("--pprof needs the admin listener: set --admin-addr")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if c.AccessTokenLifetime <= 0 {
		return fmt.Errorf("--access-token-lifetime %v: must be positive", c.AccessTokenLifetime)
	}
	if c.RefreshLifetime <= 0 {
		return fmt.Errorf("--refresh-lifetime %v: must be positive", c.RefreshLifetime)
	}
	if c.RefreshGrace < 0 || c.RefreshGrace > 5*time.Minute {
		return fmt.Errorf("--refresh-grace %v: must be between 0 and 5m", c.RefreshGrace)
	}
	if c.PARLifetime <= 0 || c.PARLifetime > 10*time.Minute {
		return fmt.Errorf("--par-lifetime %v: must be positive and at most 10m", c.PARLifetime)
	}
	if err := c.checkDevice(); err != nil {
		return err
	}
	c.PAR = c.PAR || c.RequirePAR
	c.DPoP = c.DPoP || c.RequireDPoPPublic || c.DPoPNonce
	c.RequestObjects = c.RequestObjects || c.RequireSignedRequestObject
	if c.InsecureDev && !origin.Loopback(host) {
		return fmt.Errorf("--insecure-dev is allowed only on a loopback address, not %q", c.Addr)
	}
	grants, err := c.grantTypes()
	if err != nil {
		return err
	}
	if slices.Contains(grants, grantry.GrantJWTBearer) != (c.JWTBearerIssuers != "") {
		return fmt.Errorf("--jwt-bearer-issuers and --grants %s go together", grantry.GrantJWTBearer)
	}
	if err := c.checkTokenExchange(grants); err != nil {
		return err
	}
	if _, err := c.algs.algorithms(); err != nil {
		return err
	}
	switch c.Registration {
	case registrationOff:
	case registrationOpen, registrationToken:
		if strings.TrimSpace(c.Scopes) == "" {
			// Else a client would register, and be granted, any scope.
			return fmt.Errorf("--registration %s needs --scopes: the scopes a registered client may have", c.Registration)
		}
	default:
		return fmt.Errorf("--registration %q: want off, open or token", c.Registration)
	}
	if err := checkTokenFormat("--access-token-format", c.AccessTokenFormat, false); err != nil {
		return err
	}
	if _, err := grantry.ParseScope(c.Scopes); err != nil {
		return fmt.Errorf("--scopes: %w", err)
	}
	if _, err := c.sessionKey(); err != nil {
		return err
	}
	if c.SessionLifetime < time.Minute {
		return errors.New("--session-lifetime must be at least a minute")
	}
	if err := c.defaultIssuer(host); err != nil {
		return err
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" {
		return fmt.Errorf("--issuer %q is not an absolute URL", c.Issuer)
	} else if c.InsecureDev && !origin.Loopback(u.Hostname()) {
		// Behind a proxy, a loopback --addr says nothing of where the
		// browser is: the issuer does.
		return fmt.Errorf("--insecure-dev is allowed only with a loopback issuer, not %q", c.Issuer)
	}
	return nil
}

// listening records the address the server listens on: with a default
// issuer and --addr HOST:0, the issuer takes the port the kernel picked.
func (c *serveConfig) listening(addr net.Addr) {
	host, port, err := net.SplitHostPort(c.Addr)
	if !c.issuerDefaulted || err != nil || port != "0" {
		return
	}
	if _, p, err := net.SplitHostPort(addr.String()); err == nil {
		c.Addr, c.Issuer = net.JoinHostPort(host, p), ""
		_ = c.defaultIssuer(host)
	}
}

func (c *serveConfig) defaultIssuer(host string) error {
	if c.Issuer != "" {
		return nil
	}
	if !origin.Loopback(host) {
		return errors.New("--issuer is required unless --addr is a loopback address")
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	c.Issuer = scheme + "://" + c.Addr
	c.issuerDefaulted = true
	return nil
}

func (c *serveConfig) grantTypes() ([]grantry.GrantType, error) {
	var out []grantry.GrantType
	for _, g := range c.Grants.vals {
		gt, err := parseGrant(g)
		if err != nil {
			return nil, fmt.Errorf("--grants: %w", err)
		}
		out = append(out, gt)
	}
	return out, nil
}

// checkDevice bounds the device grant's settings: codes live long enough
// to sign in and short enough to make guessing user codes hopeless
// (RFC 8628 §5.1); polls come every second at most.
func (c *serveConfig) checkDevice() error {
	if c.DeviceLifetime < time.Minute || c.DeviceLifetime > 30*time.Minute {
		return fmt.Errorf("--device-code-lifetime %v: must be between 1m and 30m", c.DeviceLifetime)
	}
	if c.DeviceInterval < time.Second || c.DeviceInterval > time.Minute || c.DeviceInterval%time.Second != 0 {
		return fmt.Errorf("--device-poll-interval %v: must be whole seconds between 1s and 1m", c.DeviceInterval)
	}
	return nil
}

// checkTokenExchange reads the token exchange policy, which needs the
// grant.
func (c *serveConfig) checkTokenExchange(grants []grantry.GrantType) error {
	if c.TokenExchangePolicy == "" {
		return nil
	}
	if !slices.Contains(grants, grantry.GrantTokenExchange) {
		return errors.New("--token-exchange-policy needs --grants token-exchange")
	}
	var err error
	c.exchangePolicy, err = loadExchangePolicy(c.TokenExchangePolicy)
	return err
}

// parseGrant reads a grant type, by its name or short alias.
func parseGrant(s string) (grantry.GrantType, error) {
	if g, ok := grantAliases[s]; ok {
		return g, nil
	}
	for _, g := range supportedGrants {
		if string(g) == s {
			return g, nil
		}
	}
	return "", fmt.Errorf("unknown grant type %q", s)
}

// sessionKeyGiven reports whether the session key is configured.
func (c *serveConfig) sessionKeyGiven() bool { return c.SessionKey != "" || c.SessionKeyFile != "" }

// sessionKey decodes --session-key, or the content of
// --session-key-file; nil means neither was given.
func (c *serveConfig) sessionKey() ([]byte, error) {
	v, what := c.SessionKey, "--session-key"
	switch {
	case c.SessionKey != "" && c.SessionKeyFile != "":
		return nil, errors.New("both --session-key and --session-key-file are set: give one")
	case c.SessionKeyFile != "":
		data, err := readPrivateFile(c.SessionKeyFile, "session key")
		if err != nil {
			return nil, err
		}
		v, what = string(data), "--session-key-file "+c.SessionKeyFile
	case v == "":
		return nil, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(v), "="))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s must hold 32 bytes, base64url encoded", what)
	}
	return k, nil
}
