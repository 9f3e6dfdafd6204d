package authtest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Client is a client registration: what AddClient is given, and what it
// returns completed. The zero Client is a confidential client with a
// random secret, authenticating with client_secret_basic.
type Client struct {
	// ID is the client identifier; empty makes one: client-1, client-2...
	ID string
	// Secret is the secret of a confidential client; empty makes a random
	// one. A public client has none.
	Secret string
	// Public registers a client without a secret, which authenticates with
	// "none" (RFC 6749 §2.1) and must use PKCE.
	Public bool
	// AuthMethod is how a confidential client authenticates:
	// client_secret_basic (the default) or client_secret_post.
	AuthMethod grantry.AuthMethod
	// RedirectURIs are the registered redirect URIs; nil means
	// DefaultRedirectURI.
	RedirectURIs []string
	// Scope is what the client may be granted; nil means the server's
	// scopes.
	Scope grantry.Scope
	// GrantTypes are the grants the client may use; nil means
	// authorization_code and refresh_token, and for a confidential client
	// client_credentials, and password when Config.Users is set.
	GrantTypes []grantry.GrantType
	// Introspect lets the client introspect every token, as a resource
	// server does (RFC 7662 §4); any other client learns about its own
	// tokens only.
	Introspect bool
	// ResponseTypes the client may use; nil means "code" when it may use
	// the authorization code grant. The OpenID Connect implicit and
	// hybrid response types must be listed.
	ResponseTypes []grantry.ResponseType
	// The client's OpenID Connect registration: see storage.Client.
	IDTokenSignedResponseAlg         string
	SubjectType                      string
	SectorIdentifierURI              string
	PostLogoutRedirectURIs           []string
	BackchannelLogoutURI             string
	BackchannelLogoutSessionRequired bool
}

// AddClient registers a client and returns it completed: its ID, secret,
// authentication method, redirect URIs, scope and grant types. It panics
// when a client with the same ID exists, a mistake in the test.
func (s *Server) AddClient(c Client) Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c = s.complete(c)
	err := s.store.CreateClient(context.Background(), &storage.Client{
		ID: c.ID, SecretHash: hashSecret(c.Secret), RedirectURIs: slices.Clone(c.RedirectURIs),
		GrantTypes: slices.Clone(c.GrantTypes), ResponseTypes: slices.Clone(c.ResponseTypes),
		Scope: slices.Clone(c.Scope), AuthMethod: c.AuthMethod,
		IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg, SubjectType: c.SubjectType,
		SectorIdentifierURI: c.SectorIdentifierURI, PostLogoutRedirectURIs: slices.Clone(c.PostLogoutRedirectURIs),
		BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		CreatedAt: s.clock.Now(), UpdatedAt: s.clock.Now(),
	})
	if err != nil {
		panic(fmt.Sprintf("authtest: AddClient(%q): %v", c.ID, err))
	}
	s.clients[c.ID] = c
	if c.Introspect {
		s.introspectors[c.ID] = true
	}
	return c
}

// AddPublicClient registers a public client, such as a native or browser
// app, with the given redirect URIs (none: DefaultRedirectURI).
func (s *Server) AddPublicClient(redirectURIs ...string) Client {
	return s.AddClient(Client{Public: true, RedirectURIs: redirectURIs})
}

// complete fills in the defaults of a registration; s.mu is held.
func (s *Server) complete(c Client) Client {
	if c.ID == "" {
		c.ID = s.newID()
	}
	switch {
	case c.Public:
		c.Secret, c.AuthMethod = "", grantry.AuthNone
	case c.Secret == "":
		c.Secret = secret.Token()
	}
	if c.AuthMethod == "" {
		c.AuthMethod = grantry.AuthClientSecretBasic
	}
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{DefaultRedirectURI}
	}
	if c.Scope == nil {
		c.Scope = slices.Clone(s.scopes)
	}
	if c.GrantTypes == nil {
		c.GrantTypes = s.defaultGrants(c.Public)
	}
	if c.ResponseTypes == nil {
		c.ResponseTypes = responseTypes(c.GrantTypes)
	}
	return c
}

// newID returns the next free client-N; s.mu is held.
func (s *Server) newID() string {
	for {
		s.next++
		id := fmt.Sprintf("client-%d", s.next)
		if _, err := s.store.GetClient(context.Background(), id); errors.Is(err, storage.ErrNotFound) {
			return id
		}
	}
}

func (s *Server) defaultGrants(public bool) []grantry.GrantType {
	gts := []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken}
	if !public {
		gts = append(gts, grantry.GrantClientCredentials)
		if s.users {
			gts = append(gts, grantry.GrantPassword)
		}
	}
	return gts
}

func hashSecret(s string) string {
	if s == "" {
		return ""
	}
	return secret.HashSecret(s)
}

func responseTypes(gts []grantry.GrantType) []grantry.ResponseType {
	if slices.Contains(gts, grantry.GrantAuthorizationCode) {
		return []grantry.ResponseType{grantry.ResponseCode}
	}
	return nil
}

// client returns a client registered with AddClient.
func (s *Server) client(id string) (Client, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	return c, ok
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}
