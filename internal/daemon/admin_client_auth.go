package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// How a client authenticates, as client create and client update set it:
// its method, its public keys for private_key_jwt (RFC 7523 §2.2, RFC 7591
// §2 jwks and jwks_uri) and the algorithm of its assertions.

// The names of the flags of client authentication; the keys are set by
// the flags of clientJARFlags, --jwks-uri and --jwks-file.
const (
	flagAuthMethod = "auth-method"
	flagAuthAlg    = "token-endpoint-auth-alg"
)

const authMethodUsage = "token endpoint auth method: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt (with --jwks-uri or --jwks-file) or none"

// clientAuthFlags are the algorithm of the client's assertions, and where
// the key-encryption key is that seals the secrets of client_secret_jwt.
type clientAuthFlags struct {
	alg string
	kek kekFlags
}

func (f *clientAuthFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.alg, flagAuthAlg, "", "the one `ALG` the client's assertions may use: "+algorithmNames()+" for private_key_jwt, HS256, HS384 or HS512 for client_secret_jwt; default: any")
	f.kek.register(fs)
}

// apply sets on c the algorithm when isSet selects it, and checks the
// client's authentication: its method, keys and algorithm together.
func (f *clientAuthFlags) apply(c *storage.Client, isSet func(name string) bool) error {
	if isSet(flagAuthAlg) {
		c.TokenEndpointAuthSigningAlg = f.alg
	}
	return checkClientAuth(c)
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
