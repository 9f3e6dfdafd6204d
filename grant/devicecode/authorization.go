package devicecode

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Authorization is the answer of the device authorization endpoint
// (RFC 8628 §3.2).
type Authorization struct {
	DeviceCode string `json:"device_code"`
	// UserCode is shown formatted, XXXX-XXXX.
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// maxCodeTries bounds the draws of a user code that is taken already.
const maxCodeTries = 4

// Start begins a device authorization for client and scope at now: it
// stores a device code of 256 random bits and a user code, both as
// digests, and returns them with the verification URIs. The caller has
// checked that the client may use the grant and the scope.
func (g *Grant) Start(ctx context.Context, client *storage.Client, scope grantry.Scope, now time.Time) (*Authorization, error) {
	for range maxCodeTries {
		device, user := secret.Token(), NewUserCode()
		d := &storage.DeviceAuthorization{
			DeviceCodeHash: digest(device),
			UserCodeHash:   digest(user),
			ClientID:       client.ID,
			Scope:          slices.Clone(scope),
			Status:         storage.DevicePending,
			Interval:       g.cfg.Interval,
			CreatedAt:      now,
			ExpiresAt:      now.Add(g.cfg.Lifetime),
		}
		err := g.store.CreateDeviceAuthorization(ctx, d)
		if errors.Is(err, storage.ErrExists) {
			continue // a user code of a live authorization: draw again
		}
		if err != nil {
			return nil, authserver.AsError(err)
		}
		return g.answer(device, user), nil
	}
	return nil, grantry.ServerError(errors.New("devicecode: no free user code"))
}

func (g *Grant) answer(device, user string) *Authorization {
	shown := FormatUserCode(user)
	complete, _ := url.Parse(g.cfg.VerificationURI)
	q := complete.Query()
	q.Set("user_code", shown)
	complete.RawQuery = q.Encode()
	return &Authorization{
		DeviceCode:              device,
		UserCode:                shown,
		VerificationURI:         g.cfg.VerificationURI,
		VerificationURIComplete: complete.String(),
		ExpiresIn:               int64(g.cfg.Lifetime / time.Second),
		Interval:                int64(g.cfg.Interval / time.Second),
	}
}

// digest is the stored form of a device code or normalised user code.
func digest(code string) string { return secret.Digest(code) }

// AuthorizationEndpoint returns the device authorization endpoint
// (RFC 8628 §3.1), an authserver.Endpoint: mount it with Server.Mount.
func (g *Grant) AuthorizationEndpoint() *Endpoint { return &Endpoint{g: g} }

// Endpoint is the device authorization endpoint.
type Endpoint struct{ g *Grant }

// Name implements authserver.Endpoint.
func (*Endpoint) Name() string { return grantry.EndpointDeviceAuthorization }

// AuthMethods implements authserver.Endpoint.
func (e *Endpoint) AuthMethods() []grantry.AuthMethod { return e.g.cfg.AuthMethods }

// ServerMetadata implements authserver.MetadataProvider: the endpoint's
// URL as device_authorization_endpoint (RFC 8628 §4).
func (e *Endpoint) ServerMetadata() map[string]any {
	if e.g.cfg.URL == "" {
		return nil
	}
	return map[string]any{"device_authorization_endpoint": e.g.cfg.URL}
}

// Respond implements authserver.Endpoint (RFC 8628 §3.1, §3.2): the
// authenticated client must be allowed the device_code grant
// (unauthorized_client) and the scope (invalid_scope); the answer is an
// Authorization.
func (e *Endpoint) Respond(ctx context.Context, req *authserver.EndpointRequest) ([]byte, error) {
	if !slices.Contains(req.Client.GrantTypes, grantry.GrantDeviceCode) {
		return nil, grantry.NewError(grantry.ErrUnauthorizedClient, "the client may not use the device authorization grant")
	}
	scope, err := req.RequestedScope()
	if err != nil {
		return nil, err
	}
	a, err := e.g.Start(ctx, req.Client, scope, req.Time)
	if err != nil {
		return nil, err
	}
	return json.Marshal(a)
}
