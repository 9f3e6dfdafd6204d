package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/jwtbearer"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
)

// The JWT bearer grant (RFC 7523 §2.1) of grant serve: the issuers it
// trusts are read from the JSON file of --jwt-bearer-issuers at start.

// issuerJSON is one trusted issuer in the file: an array of them.
type issuerJSON struct {
	// Issuer is the iss of its assertions.
	Issuer string `json:"issuer"`
	// JWKSURI or JWKS, one of them, give its public keys.
	JWKSURI string          `json:"jwks_uri"`
	JWKS    json.RawMessage `json:"jwks"`
	// Algorithms accepted; empty means every asymmetric one.
	Algorithms []keyset.Algorithm `json:"algorithms"`
	// Subjects it may speak for, or any with AnySubject.
	Subjects   []string `json:"subjects"`
	AnySubject bool     `json:"any_subject"`
	// Scope is the most its assertions may obtain, space-separated.
	Scope string `json:"scope"`
	// Clients that may present its assertions; empty means any client
	// registered with the grant type.
	Clients []string `json:"clients"`
}

// registerJWTBearer registers the JWT bearer grant with the issuers of
// --jwt-bearer-issuers.
func registerJWTBearer(srv *authserver.Server, cfg *serveConfig, b *backend) error {
	issuers, err := loadIssuers(cfg.JWTBearerIssuers)
	if err != nil {
		return err
	}
	g, err := jwtbearer.New(jwtbearer.Config{
		Audience:    cfg.Issuer,
		Issuers:     issuers,
		ReplayCache: b.replay,
		AuthMethods: confidentialMethods,
	})
	if err != nil {
		return err
	}
	srv.RegisterGrant(g)
	return nil
}

// loadIssuers reads and checks the issuers file.
func loadIssuers(path string) ([]jwtbearer.Issuer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--jwt-bearer-issuers: %w", err)
	}
	var list []issuerJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("--jwt-bearer-issuers %s: want a JSON array of issuers: %w", path, err)
	}
	out := make([]jwtbearer.Issuer, 0, len(list))
	for i, j := range list {
		iss, err := j.issuer()
		if err != nil {
			return nil, fmt.Errorf("--jwt-bearer-issuers %s: issuer %d (%q): %w", path, i+1, j.Issuer, err)
		}
		out = append(out, iss)
	}
	return out, nil
}

func (j *issuerJSON) issuer() (jwtbearer.Issuer, error) {
	sc, err := grantry.ParseScope(j.Scope)
	if err != nil {
		return jwtbearer.Issuer{}, fmt.Errorf("scope: %w", err)
	}
	iss := jwtbearer.Issuer{
		ID: j.Issuer, Algorithms: j.Algorithms, Subjects: j.Subjects, AnySubject: j.AnySubject,
		Scope: sc, Clients: j.Clients,
	}
	switch {
	case j.Issuer == "":
		return iss, errors.New("issuer is empty")
	case !j.AnySubject && len(j.Subjects) == 0:
		return iss, errors.New("give subjects, or any_subject: true")
	}
	for _, alg := range j.Algorithms {
		if !slices.Contains(keyset.AsymmetricAlgorithms(), alg) {
			return iss, fmt.Errorf("algorithm %q: want one of %s", alg, algorithmNames())
		}
	}
	iss.Keys, err = j.keys()
	return iss, err
}

// keys returns the key source of jwks_uri or jwks, exactly one of which
// is given.
func (j *issuerJSON) keys() (keyset.KeySource, error) {
	switch {
	case (j.JWKSURI == "") == (len(j.JWKS) == 0):
		return nil, errors.New("give one of jwks_uri and jwks")
	case j.JWKSURI != "":
		if _, err := origin.ParseSecure(j.JWKSURI, false); err != nil {
			return nil, fmt.Errorf("jwks_uri %q %w (http is allowed only on a loopback host)", j.JWKSURI, err)
		}
		return keyset.NewRemote(j.JWKSURI, keyset.RemoteConfig{})
	}
	set, err := keyset.ParseJWKS(j.JWKS)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("jwks holds no usable key")
	}
	return set, nil
}
