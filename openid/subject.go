package openid

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
)

var errNoKey = errors.New("openid: no signing key")

// subject returns the sub of the user the server knows as user, as the
// client sees it: public, or pairwise for a client registered so
// (Core §8.1): the HMAC-SHA256, keyed by PairwiseSecret, of the client's
// sector identifier and the user, base64url encoded. Clients of one
// sector see the same subject; clients of two sectors cannot link theirs.
func (p *Provider) subject(c *storage.Client, user string) (string, error) {
	if c.SubjectType != storage.SubjectPairwise {
		return user, nil
	}
	sector, err := p.pairwiseSector(c)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, p.cfg.PairwiseSecret)
	m.Write([]byte(sector))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// pairwiseSector returns the sector identifier of a pairwise client
// (Core §8.1): the host of its sector_identifier_uri, or else of its
// redirect URIs, which must then share one host.
func (p *Provider) pairwiseSector(c *storage.Client) (string, error) {
	if p.cfg.PairwiseSecret == nil {
		return "", grantry.NewError(grantry.ErrUnauthorizedClient, "pairwise subjects are not offered")
	}
	sector, err := authserver.SectorIdentifier(c)
	if err != nil {
		return "", grantry.NewError(grantry.ErrUnauthorizedClient, "the client has no sector identifier for pairwise subjects")
	}
	return sector, nil
}

// checkClient refuses the OpenID Connect requests of a client whose ID
// tokens the provider cannot make.
func (p *Provider) checkClient(c *storage.Client) error {
	if _, err := p.subject(c, ""); err != nil {
		return err
	}
	_, err := p.signingKey(c)
	return err
}

// audience is an aud claim: one string or an array of them.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// hintSubject checks an id_token_hint of an authorization request
// (Core §3.1.2.1): an ID token the provider signed for the client,
// expired or not, and returns its sub.
func (p *Provider) hintSubject(ctx context.Context, hint, clientID string) (string, error) {
	c, err := p.verifyHint(ctx, hint)
	if err != nil {
		return "", err
	}
	if !slices.Contains(c.Audience, clientID) {
		return "", grantry.InvalidRequest("id_token_hint was not issued to the client")
	}
	return c.Subject, nil
}
