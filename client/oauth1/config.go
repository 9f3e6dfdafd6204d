package oauth1

import (
	"crypto"
	"crypto/rand"
	"net/http"
	"net/url"
	"time"
)

// SignatureMethod is the value of the oauth_signature_method protocol
// parameter (RFC 5849 §3.4).
type SignatureMethod string

// Signature methods. HMACSHA1, RSASHA1 and Plaintext are defined by
// RFC 5849 §3.4.2–§3.4.4; HMACSHA256 is the same construction as HMAC-SHA1
// with SHA-256, as offered by many servers.
const (
	HMACSHA1   SignatureMethod = "HMAC-SHA1"
	HMACSHA256 SignatureMethod = "HMAC-SHA256"
	RSASHA1    SignatureMethod = "RSA-SHA1"
	Plaintext  SignatureMethod = "PLAINTEXT"
)

// Placement says where the protocol parameters travel (RFC 5849 §3.5).
type Placement int

// Placements, in the RFC's order of decreasing preference. The zero value
// is the Authorization header.
const (
	AuthHeader Placement = iota // RFC 5849 §3.5.1
	FormBody                    // RFC 5849 §3.5.2
	URIQuery                    // RFC 5849 §3.5.3
)

// Endpoint holds the three URIs a server advertises (RFC 5849 §2). They may
// carry a query, but no parameter starting with "oauth_".
type Endpoint struct {
	TemporaryCredentialsURL string // Temporary Credential Request, §2.1
	AuthorizationURL        string // Resource Owner Authorization, §2.2
	TokenURL                string // Token Request, §2.3
}

// Credentials are an identifier and its shared secret: temporary
// credentials (§2.1) or token credentials (§2.3).
type Credentials struct {
	Token  string // oauth_token
	Secret string // oauth_token_secret

	// Extra holds the other parameters of the server's response, such as a
	// user id; nil when there are none. It plays no part in signing.
	Extra url.Values
}

// Config is an OAuth 1.0 client: its client credentials, the server's
// endpoints and how requests are signed. Besides the credentials and
// endpoints, which must be filled in, the zero value is the safe default:
// HMAC-SHA1 in the Authorization header, the "oob" callback, the system
// clock, a crypto/rand nonce, http.DefaultClient, and no Insecure option.
// A Config must not be changed once in use; it is safe for concurrent use.
type Config struct {
	ConsumerKey    string // client identifier, oauth_consumer_key
	ConsumerSecret string // client shared-secret (HMAC and PLAINTEXT)

	// Signer holds the client's RSA private key for RSA-SHA1, such as an
	// *rsa.PrivateKey or a key kept in a hardware module.
	Signer crypto.Signer

	SignatureMethod SignatureMethod // empty means HMACSHA1
	Placement       Placement       // where protocol parameters go
	Realm           string          // optional realm of the Authorization header

	// Callback is the oauth_callback of the temporary credentials request:
	// an absolute URI, or empty for "oob" (out of band).
	Callback string

	Endpoint   Endpoint
	HTTPClient *http.Client // nil means http.DefaultClient

	Now   func() time.Time // clock for oauth_timestamp; nil means time.Now
	Nonce func() string    // oauth_nonce source; nil means 128 random bits

	// InsecurePlaintextOverHTTP allows the PLAINTEXT method on plain http,
	// which sends both shared secrets in the clear. RFC 5849 §3.4.4 requires
	// TLS; leave this off outside of tests.
	InsecurePlaintextOverHTTP bool

	// InsecureSkipCallbackConfirmed accepts a temporary credentials
	// response whose oauth_callback_confirmed is missing or not exactly
	// "true" (RFC 5849 §2.1). Servers written for OAuth 1.0 before
	// revision A omit it and may not bind the callback to the temporary
	// credentials; others send "True" or "1" (Authlib 1.2 sends "True").
	InsecureSkipCallbackConfirmed bool
}

func (c *Config) method() SignatureMethod {
	if c.SignatureMethod == "" {
		return HMACSHA1
	}
	return c.SignatureMethod
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) nonce() string {
	if c.Nonce != nil {
		return c.Nonce()
	}
	return rand.Text()
}

func (c *Config) client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

func (c *Config) callback() string {
	if c.Callback == "" {
		return "oob"
	}
	return c.Callback
}
