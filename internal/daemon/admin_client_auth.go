package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// How a client authenticates, as client create and client update set it:
// its method, its public keys for private_key_jwt (RFC 7523 §2.2, RFC 7591
// §2 jwks and jwks_uri) and the algorithm of its assertions.

// The names of the flags of client authentication.
const (
	flagAuthMethod = "auth-method"
	flagJWKSURI    = "jwks-uri"
	flagJWKSFile   = "jwks-file"
	flagAuthAlg    = "token-endpoint-auth-alg"
)

const authMethodUsage = "token endpoint auth method: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none"

// clientAuthFlags are the flags of client authentication, and where the
// key-encryption key is that seals the secrets of client_secret_jwt.
type clientAuthFlags struct {
	jwksURI, jwksFile, alg string
	kek                    kekFlags
}

func (f *clientAuthFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.jwksURI, flagJWKSURI, "", "`URL` of the JWK Set of a private_key_jwt client (https unless on a loopback host)")
	fs.StringVar(&f.jwksFile, flagJWKSFile, "", "`file` holding the JWK Set of a private_key_jwt client, registered as its jwks")
	fs.StringVar(&f.alg, flagAuthAlg, "", "the one `ALG` the client's assertions may use: "+algorithmNames()+" for private_key_jwt, HS256, HS384 or HS512 for client_secret_jwt; default: any")
	f.kek.register(fs)
}

// nonEmpty reports whether the flag name has a value: what client create
// applies.
func (f *clientAuthFlags) nonEmpty(name string) bool {
	switch name {
	case flagJWKSURI:
		return f.jwksURI != ""
	case flagJWKSFile:
		return f.jwksFile != ""
	case flagAuthAlg:
		return f.alg != ""
	}
	return false
}

// apply sets on c the keys and the algorithm that isSet selects, and
// checks them against c's method.
func (f *clientAuthFlags) apply(c *storage.Client, isSet func(name string) bool) error {
	if isSet(flagJWKSURI) && isSet(flagJWKSFile) {
		return fmt.Errorf("--%s and --%s: give one", flagJWKSURI, flagJWKSFile)
	}
	if isSet(flagJWKSURI) {
		c.JWKSURI, c.JWKS = f.jwksURI, ""
	}
	if isSet(flagJWKSFile) {
		doc, err := readJWKSFile(f.jwksFile)
		if err != nil {
			return err
		}
		c.JWKS, c.JWKSURI = doc, ""
	}
	if isSet(flagAuthAlg) {
		c.TokenEndpointAuthSigningAlg = f.alg
	}
	return checkClientAuth(c)
}

// readJWKSFile reads a JWK Set that holds at least one usable public key.
func readJWKSFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flagJWKSFile, err)
	}
	set, err := keyset.ParseJWKS(data)
	if err != nil {
		return "", fmt.Errorf("--%s %s: %w", flagJWKSFile, path, err)
	}
	if len(set.Keys) == 0 {
		return "", fmt.Errorf("--%s %s: no usable public key", flagJWKSFile, path)
	}
	return strings.TrimSpace(string(data)), nil
}

func checkAuthMethod(m grantry.AuthMethod) error {
	switch m {
	case grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthNone,
		grantry.AuthClientSecretJWT, grantry.AuthPrivateKeyJWT:
		return nil
	}
	return fmt.Errorf("--%s %q: want client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none", flagAuthMethod, m)
}

// checkClientAuth checks that a private_key_jwt client has keys and that
// the algorithm of its assertions fits its method.
func checkClientAuth(c *storage.Client) error {
	if raw := c.JWKSURI; raw != "" {
		if _, err := origin.ParseSecure(raw, false); err != nil {
			return fmt.Errorf("--%s %q %w (http is allowed only on a loopback host)", flagJWKSURI, raw, err)
		}
	}
	method, alg := c.TokenEndpointAuthMethod(), keyset.Algorithm(c.TokenEndpointAuthSigningAlg)
	switch {
	case method == grantry.AuthPrivateKeyJWT && c.JWKS == "" && c.JWKSURI == "":
		return fmt.Errorf("private_key_jwt needs the client's public keys: give --%s or --%s", flagJWKSURI, flagJWKSFile)
	case alg == "":
		return nil
	case method == grantry.AuthPrivateKeyJWT && !slices.Contains(keyset.AsymmetricAlgorithms(), alg):
		return fmt.Errorf("--%s %q: private_key_jwt takes one of %s", flagAuthAlg, alg, algorithmNames())
	case method == grantry.AuthClientSecretJWT && !alg.Symmetric():
		return fmt.Errorf("--%s %q: client_secret_jwt takes HS256, HS384 or HS512", flagAuthAlg, alg)
	case method != grantry.AuthPrivateKeyJWT && method != grantry.AuthClientSecretJWT:
		return fmt.Errorf("--%s is only for private_key_jwt and client_secret_jwt", flagAuthAlg)
	}
	return nil
}

// newSecret gives c a new secret and returns it, to be shown once: none
// for a public or private_key_jwt client. The secret is stored as a hash
// and, for client_secret_jwt, also sealed with the key-encryption key,
// since the server checks an HMAC with the secret itself. That secret is
// 86 characters, long enough for HS512 (RFC 7518 §3.2).
func newSecret(ctx context.Context, f *kekFlags, b *backend, c *storage.Client) (string, error) {
	c.SecretHash, c.SealedSecret = "", ""
	switch c.TokenEndpointAuthMethod() {
	case grantry.AuthNone, grantry.AuthPrivateKeyJWT:
		return "", nil
	case grantry.AuthClientSecretJWT:
		_, sealer, err := openKEK(ctx, f, b)
		if err != nil {
			return "", err
		}
		plain := secret.Token() + secret.Token()
		if c.SealedSecret, err = authserver.SealClientSecret(sealer, c.ID, plain); err != nil {
			return "", err
		}
		c.SecretHash = secret.HashSecret(plain)
		return plain, nil
	}
	plain := secret.Token()
	c.SecretHash = secret.HashSecret(plain)
	return plain, nil
}

// changeAuthMethod switches a client to method. A client keeps its secret
// from client_secret_jwt to client_secret_basic or client_secret_post,
// where only its hash is needed; it gets a new one, returned to be shown
// once, when it had none or only its hash and now needs it sealed. A
// client cannot become public, or stop being public, by an update.
func changeAuthMethod(ctx context.Context, f *kekFlags, b *backend, c *storage.Client, method grantry.AuthMethod) (string, error) {
	if err := checkAuthMethod(method); err != nil {
		return "", err
	}
	old := c.TokenEndpointAuthMethod()
	if old == method {
		return "", nil
	}
	if (old == grantry.AuthNone) != (method == grantry.AuthNone) {
		return "", errors.New("--auth-method: a client cannot become public or confidential by an update: create a new client")
	}
	c.AuthMethod = method
	if old == grantry.AuthClientSecretJWT && method != grantry.AuthPrivateKeyJWT {
		c.SealedSecret = ""
		return "", nil
	}
	if old != grantry.AuthPrivateKeyJWT && method != grantry.AuthPrivateKeyJWT && method != grantry.AuthClientSecretJWT {
		return "", nil
	}
	return newSecret(ctx, f, b, c)
}
