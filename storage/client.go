package storage

import (
	"context"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
)

// Client is what the authorization server needs to know of a registered
// client (RFC 6749 §2). An application may implement it on its own model;
// [ClientRecord] is the implementation the bundled backends use.
type Client interface {
	// ClientID returns the client identifier (RFC 6749 §2.2).
	ClientID() string
	// DefaultRedirectURI returns the redirection URI to use when a request
	// names none, or "" when the client registered several (RFC 6749
	// §3.1.2.3).
	DefaultRedirectURI() string
	// AllowedScope returns the scope the client may be granted.
	AllowedScope() grantry.Scope
	// CheckRedirectURI reports whether uri is one the client registered,
	// compared exactly (RFC 9700 §4.1.3).
	CheckRedirectURI(uri string) bool
	// CheckSecret reports whether secret is the client's secret, in
	// constant time.
	CheckSecret(secret string) bool
	// CheckEndpointAuthMethod reports whether the client may authenticate
	// with method at endpoint (grantry.EndpointToken and the like).
	CheckEndpointAuthMethod(method grantry.AuthMethod, endpoint string) bool
	// CheckResponseType reports whether the client may use the response type.
	CheckResponseType(rt grantry.ResponseType) bool
	// CheckGrantType reports whether the client may use the grant type.
	CheckGrantType(gt grantry.GrantType) bool
}

// ClientStore finds clients.
type ClientStore interface {
	// GetClient returns the client, or ErrNotFound.
	GetClient(ctx context.Context, id string) (Client, error)
}

// ClientRecord is a registered client as the bundled backends store it.
// Its zero values are the safe ones: no redirect URI, no grant type, no
// response type, no scope.
type ClientRecord struct {
	ID string
	// SecretHash is the hash of the client secret made by HashSecret or
	// HashPassword; empty for a public client.
	SecretHash string
	Name       string
	// RedirectURIs are compared exactly, except that the port of a
	// loopback IP literal with the http scheme may differ (RFC 8252 §7.3).
	RedirectURIs  []string
	GrantTypes    []grantry.GrantType
	ResponseTypes []grantry.ResponseType
	Scope         grantry.Scope
	// AuthMethod is the token_endpoint_auth_method (RFC 7591 §2). Empty
	// means client_secret_basic for a client with a secret and none for
	// one without.
	AuthMethod grantry.AuthMethod
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ClientID implements Client.
func (c *ClientRecord) ClientID() string { return c.ID }

// DefaultRedirectURI implements Client.
func (c *ClientRecord) DefaultRedirectURI() string {
	if len(c.RedirectURIs) == 1 {
		return c.RedirectURIs[0]
	}
	return ""
}

// AllowedScope implements Client.
func (c *ClientRecord) AllowedScope() grantry.Scope { return c.Scope }

// CheckSecret implements Client.
func (c *ClientRecord) CheckSecret(s string) bool {
	return c.SecretHash != "" && secret.Verify(c.SecretHash, s)
}

// TokenEndpointAuthMethod returns AuthMethod with its default filled in.
func (c *ClientRecord) TokenEndpointAuthMethod() grantry.AuthMethod {
	switch {
	case c.AuthMethod != "":
		return c.AuthMethod
	case c.SecretHash == "":
		return grantry.AuthNone
	}
	return grantry.AuthClientSecretBasic
}

// CheckEndpointAuthMethod implements Client: the client authenticates with
// its one registered method at every endpoint.
func (c *ClientRecord) CheckEndpointAuthMethod(m grantry.AuthMethod, endpoint string) bool {
	return m == c.TokenEndpointAuthMethod()
}

// CheckResponseType implements Client.
func (c *ClientRecord) CheckResponseType(rt grantry.ResponseType) bool {
	return slices.Contains(c.ResponseTypes, rt)
}

// CheckGrantType implements Client.
func (c *ClientRecord) CheckGrantType(gt grantry.GrantType) bool {
	return slices.Contains(c.GrantTypes, gt)
}

// CheckRedirectURI implements Client.
func (c *ClientRecord) CheckRedirectURI(uri string) bool {
	for _, r := range c.RedirectURIs {
		if r == uri || loopbackMatch(r, uri) {
			return true
		}
	}
	return false
}

// loopbackMatch allows any port for a registered http redirect URI on a
// loopback IP literal, as native apps listen on an ephemeral port
// (RFC 8252 §7.3). Only the port may vary: the rest of both URIs, as
// written, not as decoded, must match exactly.
func loopbackMatch(registered, uri string) bool {
	r, ok := withoutLoopbackPort(registered)
	if !ok {
		return false
	}
	u, ok := withoutLoopbackPort(uri)
	return ok && r == u
}

// withoutLoopbackPort returns raw without its port, when raw is an http
// URI whose host is a loopback IP literal and whose port, if any, is a
// number from 1 to 65535. A URI with user information or a fragment is
// refused.
func withoutLoopbackPort(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok || strings.Contains(raw, "#") {
		return "", false
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	host, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(host, ':'); i > strings.LastIndexByte(host, ']') {
		if !validPort(host[i+1:]) {
			return "", false
		}
		host = host[:i]
	}
	if !loopbackIP(host) {
		return "", false
	}
	return "http://" + host + tail, true
}

// loopbackIP reports whether host is a loopback IP literal as a URI
// writes it: an IPv4 address, or an IPv6 address in brackets
// (RFC 3986 §3.2.2).
func loopbackIP(host string) bool {
	if v6, ok := strings.CutPrefix(host, "["); ok {
		v6, ok = strings.CutSuffix(v6, "]")
		ip := net.ParseIP(v6)
		return ok && ip != nil && ip.To4() == nil && ip.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() != nil && ip.IsLoopback()
}

// validPort reports whether p is a port number from 1 to 65535 in decimal.
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}

// Public reports whether the client has no secret.
func (c *ClientRecord) Public() bool { return c.TokenEndpointAuthMethod() == grantry.AuthNone }

// Clone returns a deep copy.
func (c *ClientRecord) Clone() *ClientRecord {
	d := *c
	d.RedirectURIs = slices.Clone(c.RedirectURIs)
	d.GrantTypes = slices.Clone(c.GrantTypes)
	d.ResponseTypes = slices.Clone(c.ResponseTypes)
	d.Scope = slices.Clone(c.Scope)
	return &d
}

// ClientRegistry manages the clients of a backend.
type ClientRegistry interface {
	ClientStore
	// CreateClient stores a new client, or returns ErrExists.
	CreateClient(ctx context.Context, c *ClientRecord) error
	// UpdateClient replaces a stored client, or returns ErrNotFound.
	UpdateClient(ctx context.Context, c *ClientRecord) error
	// DeleteClient removes a client, or returns ErrNotFound and changes
	// nothing. In the same step its tokens (ClientID == id) are revoked
	// with their families, as by RevokeFamily; its authorization codes are
	// deleted and their families revoked; and the consents given to it
	// are deleted: a client created later with the same ID inherits
	// nothing. A backend does this for the records it keeps: where codes,
	// tokens or consents are kept by another, the application must refuse
	// those of a deleted client.
	DeleteClient(ctx context.Context, id string) error
	// ListClients returns every client, ordered by ID.
	ListClients(ctx context.Context) ([]*ClientRecord, error)
}
