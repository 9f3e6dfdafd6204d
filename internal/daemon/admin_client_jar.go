package daemon

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// The client metadata of pushed and signed authorization requests
// (RFC 9126 §6, RFC 9101 §10.5, RFC 7591 §2), as client create and
// client update set it.

// The names of the flags.
const (
	flagRequirePAR       = "require-par"
	flagRequireSignedReq = "require-signed-request-object"
	flagRequestObjectAlg = "request-object-alg"
	flagJWKSURI          = "jwks-uri"
	flagJWKSFile         = "jwks-file"
)

// jarFlagNames are the flags of clientJARFlags.
var jarFlagNames = []string{flagRequirePAR, flagRequireSignedReq, flagRequestObjectAlg, flagJWKSURI, flagJWKSFile}

// clientJARFlags are the flags of the client's request policy and keys.
type clientJARFlags struct {
	requirePAR, requireSigned bool
	requestObjectAlg          string
	keys                      clientKeysFlags
}

// clientKeysFlags are where a client's public keys are: a JWK Set by
// URL or from a file, stored as it is.
type clientKeysFlags struct {
	jwksURI, jwksFile string
}

func (f *clientJARFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.requirePAR, flagRequirePAR, false, "the client must push its authorization requests (RFC 9126 require_pushed_authorization_requests)")
	fs.BoolVar(&f.requireSigned, flagRequireSignedReq, false, "the client must send its authorization requests as signed request objects (RFC 9101)")
	fs.StringVar(&f.requestObjectAlg, flagRequestObjectAlg, "", "`ALG` the client signs request objects with: "+algorithmNames()+"; default: any of them")
	fs.StringVar(&f.keys.jwksURI, flagJWKSURI, "", "`URL` of the client's JWK Set (https unless on a loopback host), for its request objects")
	fs.StringVar(&f.keys.jwksFile, flagJWKSFile, "", "`FILE` holding the client's JWK Set (public keys), stored with the client")
}

// apply sets on c the fields of the flags that isSet selects, and checks
// them.
func (f *clientJARFlags) apply(c *storage.Client, isSet func(name string) bool) error {
	if isSet(flagRequirePAR) {
		c.RequirePushedAuthorizationRequests = f.requirePAR
	}
	if isSet(flagRequireSignedReq) {
		c.RequireSignedRequestObject = f.requireSigned
	}
	if isSet(flagRequestObjectAlg) {
		c.RequestObjectSigningAlg = f.requestObjectAlg
	}
	if err := f.keys.apply(c, isSet); err != nil {
		return err
	}
	if err := checkRequestObjectAlg(c.RequestObjectSigningAlg); err != nil {
		return err
	}
	return checkClientJAR(c)
}

// apply sets the client's jwks or jwks_uri; the two exclude each other
// (RFC 7591 §2), so setting one clears the other.
func (f *clientKeysFlags) apply(c *storage.Client, isSet func(name string) bool) error {
	uri, file := isSet(flagJWKSURI), isSet(flagJWKSFile)
	switch {
	case uri && file && f.jwksURI != "" && f.jwksFile != "":
		return fmt.Errorf("--%s and --%s exclude each other", flagJWKSURI, flagJWKSFile)
	case uri && f.jwksURI != "":
		if _, err := origin.ParseSecure(f.jwksURI, false); err != nil {
			return fmt.Errorf("--%s %q %w (http is allowed only on a loopback host)", flagJWKSURI, f.jwksURI, err)
		}
		c.JWKSURI, c.JWKS = f.jwksURI, ""
	case file && f.jwksFile != "":
		doc, err := readJWKS(f.jwksFile)
		if err != nil {
			return err
		}
		c.JWKS, c.JWKSURI = doc, ""
	case uri:
		c.JWKSURI = ""
	case file:
		c.JWKS = ""
	}
	return nil
}

// readJWKS reads a JWK Set of public keys from a file.
func readJWKS(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flagJWKSFile, err)
	}
	set, err := keyset.ParseJWKS(data)
	if err != nil {
		return "", fmt.Errorf("--%s %s: %w", flagJWKSFile, path, err)
	}
	if len(set.Keys) == 0 {
		return "", fmt.Errorf("--%s %s: the set holds no key", flagJWKSFile, path)
	}
	return string(data), nil
}

func checkRequestObjectAlg(alg string) error {
	if alg == "" || slices.Contains(keyset.AsymmetricAlgorithms(), keyset.Algorithm(alg)) {
		return nil
	}
	return fmt.Errorf("--%s %q: want one of %s (request objects must be signed with the client's key)", flagRequestObjectAlg, alg, algorithmNames())
}

// anyJAR reports whether a flag of clientJARFlags was given.
func (s flagNames) anyJAR() bool {
	return slices.ContainsFunc(jarFlagNames, s.has)
}

// clientJARJSON is the request policy and keys of a client, with the
// member names of RFC 7591 §2, RFC 9101 §10.5 and RFC 9126 §6.
type clientJARJSON struct {
	JWKSURI          string          `json:"jwks_uri,omitempty"`
	JWKS             json.RawMessage `json:"jwks,omitempty"`
	RequestObjectAlg string          `json:"request_object_signing_alg,omitempty"`
	RequireSigned    bool            `json:"require_signed_request_object,omitempty"`
	RequirePAR       bool            `json:"require_pushed_authorization_requests,omitempty"`
}

func toClientJARJSON(c *storage.Client) clientJARJSON {
	j := clientJARJSON{JWKSURI: c.JWKSURI, RequestObjectAlg: c.RequestObjectSigningAlg,
		RequireSigned: c.RequireSignedRequestObject, RequirePAR: c.RequirePushedAuthorizationRequests}
	if c.JWKS != "" && json.Valid([]byte(c.JWKS)) {
		j.JWKS = json.RawMessage(c.JWKS)
	}
	return j
}

// printClientJAR prints the request policy and keys for client show and
// create, when any is set.
func printClientJAR(w io.Writer, j clientJARJSON) {
	if j.JWKS == nil && j.JWKSURI == "" && j.RequestObjectAlg == "" && !j.RequireSigned && !j.RequirePAR {
		return
	}
	keys := orDash(j.JWKSURI)
	if j.JWKS != nil {
		keys = "registered JWK Set"
	}
	fmt.Fprintf(w, "keys:\t%s\n", keys)
	fmt.Fprintf(w, "request_object_signing_alg:\t%s\n", orDash(j.RequestObjectAlg))
	fmt.Fprintf(w, "require_signed_request_object:\t%t\n", j.RequireSigned)
	fmt.Fprintf(w, "require_pushed_authorization_requests:\t%t\n", j.RequirePAR)
}

var errNoKeysForSigned = errors.New("--" + flagRequireSignedReq + " needs the client's keys: give --" + flagJWKSURI + " or --" + flagJWKSFile)

// checkClientJAR checks that a client that must sign has keys to sign
// with.
func checkClientJAR(c *storage.Client) error {
	if c.RequireSignedRequestObject && c.JWKS == "" && c.JWKSURI == "" {
		return errNoKeysForSigned
	}
	return nil
}
