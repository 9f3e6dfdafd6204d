package storage

import (
	"context"
	"slices"
	"time"

	"github.com/grantry/grantry"
)

// Client is a registered client (RFC 6749 §2, RFC 7591 §2): data only.
// How a redirect URI or a secret is checked against it is the
// authorization server's policy (package authserver). An application with
// its own client model converts its rows to Client in its ClientStore.
// The zero values are the safe ones: no redirect URI, no grant type, no
// response type, no scope.
type Client struct {
	ID string
	// SecretHash is the hash of the client secret made by
	// secret.HashSecret or secret.HashPassword; empty for a public client.
	SecretHash string
	Name       string
	// RedirectURIs are compared exactly, except that the port of a
	// loopback IP literal with the http scheme may differ (RFC 8252 §7.3).
	RedirectURIs  []string
	GrantTypes    []grantry.GrantType
	ResponseTypes []grantry.ResponseType
	// Scope is the scope the client may be granted.
	Scope grantry.Scope
	// AuthMethod is the token_endpoint_auth_method (RFC 7591 §2), used at
	// every endpoint where the client authenticates. Empty means
	// client_secret_basic for a client with a secret and none for one
	// without.
	AuthMethod grantry.AuthMethod

	// The OpenID Connect registration metadata (OpenID Connect Dynamic
	// Client Registration 1.0 §2, RP-Initiated Logout 1.0 §3.1,
	// Back-Channel Logout 1.0 §2.2). Their zero values ask for nothing.

	// IDTokenSignedResponseAlg is the JWS algorithm the client wants its
	// ID tokens signed with (id_token_signed_response_alg); empty means
	// the server's default.
	IDTokenSignedResponseAlg string
	// SubjectType is the subject_type the client gets: "" or "public"
	// for the same subject at every client, "pairwise" for one computed
	// per sector identifier (OpenID Connect Core 1.0 §8).
	SubjectType string
	// SectorIdentifierURI is the https URL of a JSON array holding the
	// client's redirect URIs; its host is the sector identifier of
	// pairwise subjects (OpenID Connect Core 1.0 §8.1).
	SectorIdentifierURI string
	// PostLogoutRedirectURIs are where the client may ask to be sent
	// after logout (post_logout_redirect_uris), compared exactly as
	// RedirectURIs are.
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI is where the server posts logout tokens to
	// the client (backchannel_logout_uri); empty for none.
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired says that the client wants the
	// sid claim in logout tokens (backchannel_logout_session_required).
	BackchannelLogoutSessionRequired bool

	// The keys, signing algorithms and policies of JWT-based requests
	// (RFC 7591 §2, RFC 7523, RFC 9101, RFC 9126, RFC 9068). Their zero
	// values ask for nothing.

	// JWKS is the client's JSON Web Key Set document (jwks), as the
	// client registered it; empty for none. At most one of JWKS and
	// JWKSURI is set.
	JWKS string
	// JWKSURI is the https URL of the client's JWK Set (jwks_uri).
	JWKSURI string
	// TokenEndpointAuthSigningAlg is the one JWS algorithm the client's
	// assertions may use (token_endpoint_auth_signing_alg); empty allows
	// any the server supports for the method.
	TokenEndpointAuthSigningAlg string
	// RequestObjectSigningAlg is the one JWS algorithm the client's
	// request objects may use (request_object_signing_alg).
	RequestObjectSigningAlg string
	// RequireSignedRequestObject says that the client's authorization
	// requests must come in a signed request object (RFC 9101 §10.5).
	RequireSignedRequestObject bool
	// RequirePushedAuthorizationRequests says that the client's
	// authorization requests must be pushed first (RFC 9126 §6).
	RequirePushedAuthorizationRequests bool
	// AccessTokenFormat is the format of the client's access tokens: ""
	// for the server's default, AccessTokenOpaque or AccessTokenJWT.
	AccessTokenFormat string
	// SealedSecret is the client secret encrypted with the server's key,
	// kept only for a client that authenticates with client_secret_jwt,
	// which needs the secret itself to check an HMAC; empty otherwise.
	// SecretHash is kept as well.
	SealedSecret string
	// RegistrationTokenHash is the digest of the registration access
	// token of a dynamically registered client (RFC 7592 §3), made by
	// secret.Digest; empty for a client registered otherwise.
	RegistrationTokenHash string

	// The descriptive metadata of RFC 7591 §2 and §2.3.
	ClientURI       string
	LogoURI         string
	TOSURI          string
	PolicyURI       string
	Contacts        []string
	SoftwareID      string
	SoftwareVersion string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Subject types of OpenID Connect Core 1.0 §8.
const (
	SubjectPublic   = "public"
	SubjectPairwise = "pairwise"
)

// Access token formats of Client.AccessTokenFormat.
const (
	AccessTokenOpaque = "opaque"
	// AccessTokenJWT is the JWT profile of RFC 9068.
	AccessTokenJWT = "jwt"
)

// ClientStore finds clients.
type ClientStore interface {
	// GetClient returns the client, or ErrNotFound.
	GetClient(ctx context.Context, id string) (*Client, error)
}

// TokenEndpointAuthMethod returns AuthMethod with its default filled in.
func (c *Client) TokenEndpointAuthMethod() grantry.AuthMethod {
	switch {
	case c.AuthMethod != "":
		return c.AuthMethod
	case c.SecretHash == "":
		return grantry.AuthNone
	}
	return grantry.AuthClientSecretBasic
}

// Public reports whether the client has no secret.
func (c *Client) Public() bool { return c.TokenEndpointAuthMethod() == grantry.AuthNone }

// Clone returns a deep copy.
func (c *Client) Clone() *Client {
	d := *c
	d.RedirectURIs = slices.Clone(c.RedirectURIs)
	d.GrantTypes = slices.Clone(c.GrantTypes)
	d.ResponseTypes = slices.Clone(c.ResponseTypes)
	d.Scope = slices.Clone(c.Scope)
	d.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	d.Contacts = slices.Clone(c.Contacts)
	return &d
}

// ClientRegistry manages the clients of a backend.
type ClientRegistry interface {
	ClientStore
	// CreateClient stores a new client, or returns ErrExists.
	CreateClient(ctx context.Context, c *Client) error
	// UpdateClient replaces a stored client, or returns ErrNotFound.
	UpdateClient(ctx context.Context, c *Client) error
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
	ListClients(ctx context.Context) ([]*Client, error)
}
