package registration

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// response is the client information response (RFC 7591 §3.2.1,
// RFC 7592 §3): what the server set, then every registered metadata value.
type response struct {
	ClientID                string `json:"client_id"`
	ClientSecret            string `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken string `json:"registration_access_token,omitempty"`
	RegistrationClientURI   string `json:"registration_client_uri"`
	*Metadata
}

// register answers a client registration request (RFC 7591 §3.1): 201
// with the client information response, or an error of §3.2.2.
func (e *Endpoint) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := e.checkInitialToken(ctx, r); err != nil {
		return err
	}
	c, stmt, err := e.readClient(ctx, r)
	if err != nil {
		return err
	}
	now := e.now()
	c.ID, c.CreatedAt, c.UpdatedAt = newClientID(), now, now
	plain, err := e.issueSecret(c)
	if err != nil {
		return err
	}
	token := e.issueRegistrationToken(c)
	if err := e.clients.CreateClient(ctx, c); err != nil {
		return authserver.AsError(err) // an ID of 128 random bits exists only by a fault
	}
	if e.cfg.Registered != nil {
		e.cfg.Registered(ctx, c)
	}
	return writeJSON(w, http.StatusCreated, e.response(c, plain, token, stmt))
}

// readClient reads, checks and converts the metadata of a registration
// or update request; stmt is the software statement, echoed in the
// response (RFC 7591 §3.2.1).
func (e *Endpoint) readClient(ctx context.Context, r *http.Request) (c *storage.Client, stmt string, err error) {
	body, err := e.readJSON(r)
	if err != nil {
		return nil, "", err
	}
	m, err := decodeMembers(body)
	if err != nil {
		return nil, "", err
	}
	return e.clientFrom(ctx, m)
}

// clientFrom applies the software statement of m, then checks the
// metadata.
func (e *Endpoint) clientFrom(ctx context.Context, m members) (*storage.Client, string, error) {
	if err := e.applyStatement(ctx, m); err != nil {
		return nil, "", err
	}
	md, err := m.metadata()
	if err != nil {
		return nil, "", err
	}
	c, err := e.toClient(ctx, md)
	if err != nil {
		return nil, "", err
	}
	return c, md.SoftwareStatement, nil
}

func (e *Endpoint) now() time.Time { return e.cfg.Now().UTC().Truncate(time.Microsecond) }

// issueSecret gives a client that authenticates with a secret a new one,
// stored as a hash (and, for client_secret_jwt, sealed), and returns it;
// a public client gets none.
func (e *Endpoint) issueSecret(c *storage.Client) (string, error) {
	c.SecretHash, c.SealedSecret = "", ""
	if c.AuthMethod == grantry.AuthNone || c.AuthMethod == grantry.AuthPrivateKeyJWT {
		return "", nil
	}
	plain := secret.Token()
	c.SecretHash = secret.HashSecret(plain)
	if c.AuthMethod == grantry.AuthClientSecretJWT {
		sealed, err := e.cfg.SealSecret(c.ID, plain)
		if err != nil {
			return "", grantry.ServerError(err)
		}
		c.SealedSecret = sealed
	}
	return plain, nil
}

// issueRegistrationToken gives c a new registration access token
// (RFC 7592 §3), kept as its digest only, and returns it.
func (e *Endpoint) issueRegistrationToken(c *storage.Client) string {
	token := secret.Token()
	c.RegistrationTokenHash = secret.Digest(token)
	return token
}

// response returns the client information response of c.
func (e *Endpoint) response(c *storage.Client, plainSecret, token, stmt string) *response {
	md := metadataOf(c)
	md.SoftwareStatement = stmt
	resp := &response{
		ClientID: c.ID, ClientSecret: plainSecret, ClientIDIssuedAt: c.CreatedAt.Unix(),
		RegistrationAccessToken: token,
		RegistrationClientURI:   e.clientURI + url.PathEscape(c.ID),
		Metadata:                md,
	}
	if c.SecretHash != "" {
		never := int64(0) // the secret does not expire (RFC 7591 §3.2.1)
		resp.ClientSecretExpiresAt = &never
	}
	return resp
}

// metadataOf returns the registered metadata of c.
func metadataOf(c *storage.Client) *Metadata {
	md := &Metadata{
		RedirectURIs: c.RedirectURIs, TokenEndpointAuthMethod: string(c.TokenEndpointAuthMethod()),
		ClientName: c.Name, ClientURI: c.ClientURI, LogoURI: c.LogoURI, Scope: c.Scope.String(),
		Contacts: c.Contacts, TOSURI: c.TOSURI, PolicyURI: c.PolicyURI, JWKSURI: c.JWKSURI,
		SoftwareID: c.SoftwareID, SoftwareVersion: c.SoftwareVersion,
		IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg, SubjectType: c.SubjectType,
		SectorIdentifierURI: c.SectorIdentifierURI, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		BackchannelLogoutURI:               c.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired:   c.BackchannelLogoutSessionRequired,
		TokenEndpointAuthSigningAlg:        c.TokenEndpointAuthSigningAlg,
		RequestObjectSigningAlg:            c.RequestObjectSigningAlg,
		RequireSignedRequestObject:         c.RequireSignedRequestObject,
		RequirePushedAuthorizationRequests: c.RequirePushedAuthorizationRequests,
	}
	if c.JWKS != "" {
		md.JWKS = json.RawMessage(c.JWKS)
	}
	for _, g := range c.GrantTypes {
		md.GrantTypes = append(md.GrantTypes, string(g))
	}
	md.ResponseTypes = responseTypeNames(c.ResponseTypes)
	return md
}

// writeJSON writes v with the headers of RFC 7591 §3.2: no caching.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return grantry.ServerError(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// newClientID returns a random client ID of 128 bits that does not begin
// with "-", so that grantry's command line takes it as an argument.
func newClientID() string {
	for {
		if id := secret.ID(); id[0] != '-' {
			return id
		}
	}
}
