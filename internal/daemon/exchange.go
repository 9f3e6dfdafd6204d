package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/tokenexchange"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
)

// maxPolicyBytes bounds the file of --token-exchange-policy.
const maxPolicyBytes = 1 << 20

// exchangePolicy is the JSON file of --token-exchange-policy: the issuers
// whose JWTs may be exchanged, the audiences and resources every client
// may ask for, and what particular clients may do (tokenexchange.Rules).
type exchangePolicy struct {
	Issuers   []exchangeIssuer          `json:"issuers"`
	Audiences []string                  `json:"audiences"`
	Clients   map[string]exchangeClient `json:"clients"`
}

// exchangeIssuer is a trusted issuer of JWTs: its keys at jwks_uri, in
// jwks or in jwks_file, the algorithms accepted (default: every
// asymmetric one), and the audiences that name this server in its tokens,
// by default the issuer.
type exchangeIssuer struct {
	Issuer        string             `json:"issuer"`
	JWKSURI       string             `json:"jwks_uri"`
	JWKS          json.RawMessage    `json:"jwks"`
	JWKSFile      string             `json:"jwks_file"`
	Algorithms    []keyset.Algorithm `json:"algorithms"`
	Audiences     []string           `json:"audiences"`
	LeewaySeconds int                `json:"leeway_seconds"`
}

// exchangeClient is what one client may do: ask for further audiences,
// exchange the tokens of other clients ("*": any), impersonate (true
// unless false) and delegate for subject tokens without may_act.
type exchangeClient struct {
	Audiences             []string `json:"audiences"`
	Subjects              []string `json:"subjects"`
	Impersonate           *bool    `json:"impersonate"`
	DelegateWithoutMayAct bool     `json:"delegate_without_may_act"`
}

// loadExchangePolicy reads and checks the policy file; "" is the empty
// policy: no trusted issuer, no audience.
func loadExchangePolicy(path string) (*exchangePolicy, error) {
	p := &exchangePolicy{}
	if path == "" {
		return p, nil
	}
	data, err := readSmallFile(path, maxPolicyBytes)
	if err != nil {
		return nil, fmt.Errorf("--token-exchange-policy: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("--token-exchange-policy %s: %w", path, err)
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("--token-exchange-policy %s: %w", path, err)
	}
	return p, nil
}

func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

func (p *exchangePolicy) check() error {
	for _, is := range p.Issuers {
		if err := is.check(); err != nil {
			return fmt.Errorf("issuer %q: %w", is.Issuer, err)
		}
	}
	for id, c := range p.Clients {
		if id == "" {
			return errors.New("a client has an empty ID")
		}
		for _, a := range c.Audiences {
			if a == "" {
				return fmt.Errorf("client %q: an empty audience", id)
			}
		}
	}
	for _, a := range p.Audiences {
		if a == "" {
			return errors.New("an empty audience")
		}
	}
	return nil
}

func (is *exchangeIssuer) check() error {
	given := 0
	for _, set := range []bool{is.JWKSURI != "", len(is.JWKS) > 0, is.JWKSFile != ""} {
		if set {
			given++
		}
	}
	switch {
	case is.Issuer == "":
		return errors.New("issuer is empty")
	case given != 1:
		return errors.New("give one of jwks_uri, jwks and jwks_file")
	case is.LeewaySeconds < 0 || is.LeewaySeconds > 300:
		return errors.New("leeway_seconds must be between 0 and 300")
	}
	if is.JWKSURI != "" {
		if _, err := origin.ParseSecure(is.JWKSURI, false); err != nil {
			return fmt.Errorf("jwks_uri %q %w (http is allowed only on a loopback host)", is.JWKSURI, err)
		}
	}
	for _, alg := range is.Algorithms {
		if !slices.Contains(keyset.AsymmetricAlgorithms(), alg) {
			return fmt.Errorf("algorithm %q: want one of %s", alg, algorithmNames())
		}
	}
	return nil
}

// rules returns the policy as tokenexchange.Rules.
func (p *exchangePolicy) rules() tokenexchange.Rules {
	r := tokenexchange.Rules{Targets: p.Audiences, Clients: make(map[string]tokenexchange.ClientRules, len(p.Clients))}
	for id, c := range p.Clients {
		r.Clients[id] = tokenexchange.ClientRules{
			Targets: c.Audiences, Subjects: c.Subjects,
			NoImpersonation:       c.Impersonate != nil && !*c.Impersonate,
			DelegateWithoutMayAct: c.DelegateWithoutMayAct,
		}
	}
	return r
}

// issuers returns the trusted issuers, their keys fetched from jwks_uri
// or read from jwks_file.
func (p *exchangePolicy) issuers(own string) ([]tokenexchange.Issuer, error) {
	out := make([]tokenexchange.Issuer, 0, len(p.Issuers))
	for _, is := range p.Issuers {
		keys, err := is.keys()
		if err != nil {
			return nil, fmt.Errorf("--token-exchange-policy: issuer %q: %w", is.Issuer, err)
		}
		aud := is.Audiences
		if len(aud) == 0 {
			aud = []string{own}
		}
		out = append(out, tokenexchange.Issuer{
			Issuer: is.Issuer, Keys: keys, Audiences: aud, Algorithms: is.Algorithms,
			Leeway: time.Duration(is.LeewaySeconds) * time.Second,
		})
	}
	return out, nil
}

func (is *exchangeIssuer) keys() (keyset.KeySource, error) {
	if is.JWKSURI != "" {
		return keyset.NewRemote(is.JWKSURI, keyset.RemoteConfig{})
	}
	data := []byte(is.JWKS)
	if is.JWKSFile != "" {
		var err error
		if data, err = readSmallFile(is.JWKSFile, maxPolicyBytes); err != nil {
			return nil, err
		}
	}
	set, err := keyset.ParseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("jwks holds no usable key")
	}
	return set, nil
}

// ownKeys is the server's current key set as a keyset.KeySource, so that
// ID tokens verify with the keys of the moment.
type ownKeys func() *keyset.Set

func (k ownKeys) Lookup(ctx context.Context, kid string) ([]keyset.PublicKey, error) {
	set := k()
	if set == nil {
		return nil, keyset.ErrUnknownKey
	}
	return set.Lookup(ctx, kid)
}

// registerTokenExchange registers the token exchange grant (RFC 8693):
// the server's access tokens and ID tokens may be exchanged, and the JWTs
// of the policy's issuers.
func registerTokenExchange(srv *authserver.Server, cfg *serveConfig, b *backend, keys func() *keyset.Set) error {
	p := cfg.exchangePolicy
	if p == nil {
		var err error
		if p, err = loadExchangePolicy(cfg.TokenExchangePolicy); err != nil {
			return err
		}
	}
	ids, err := tokenexchange.IDTokens(tokenexchange.Issuer{Issuer: cfg.Issuer, Keys: ownKeys(keys)})
	if err != nil {
		return err
	}
	validators := map[string]tokenexchange.Validator{
		tokenexchange.TypeAccessToken: tokenexchange.AccessTokens(b.tokens, cfg.Issuer),
		tokenexchange.TypeIDToken:     ids,
	}
	if len(p.Issuers) > 0 {
		issuers, err := p.issuers(cfg.Issuer)
		if err != nil {
			return err
		}
		if validators[tokenexchange.TypeJWT], err = tokenexchange.Issuers(issuers...); err != nil {
			return err
		}
	}
	srv.RegisterGrant(tokenexchange.New(tokenexchange.Config{
		Validators: validators, Rules: p.rules(), AuthMethods: confidentialMethods,
	}))
	return nil
}
