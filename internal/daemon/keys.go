package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/grantry/grantry/keyset"
)

// jwksPath is where the public signing keys are served, as a JWK Set.
const jwksPath = "/jwks.json"

// keyReloadInterval is how often the server reloads its signing keys, so
// that a next key published by `grantry keys rotate` in another process,
// and a scheduled activation, take effect without a restart.
const keyReloadInterval = time.Minute

// jwksMaxAge is how long a relying party may cache the JWK Set: well
// within the publication delay, so that it fetches a next key before the
// key signs.
const jwksMaxAge = min(time.Hour, keyset.DefaultPublicationDelay/2)

// newKeyManager returns the manager of the signing keys of b, sealed with
// the key-encryption key the flags name, keeping a key of each algorithm
// of algs.
func newKeyManager(ctx context.Context, f *kekFlags, algs *algFlags, b *backend) (*keyset.Manager, *kek, error) {
	list, err := algs.algorithms()
	if err != nil {
		return nil, nil, err
	}
	k, sealer, err := openKEK(ctx, f, b)
	if err != nil {
		return nil, nil, err
	}
	return keyset.NewManager(b.keys, sealer, keyset.ManagerConfig{Algorithms: list}), k, nil
}

// openKEK resolves the key-encryption key the flags name and returns it
// with its sealer, which seals the signing keys, the keys kept in the
// settings and the secrets of client_secret_jwt clients.
func openKEK(ctx context.Context, f *kekFlags, b *backend) (*kek, *keyset.Sealer, error) {
	k, err := f.resolve(ctx, b)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := keyset.NewSealer(k.key)
	if err != nil {
		return nil, nil, err
	}
	return k, sealer, nil
}

// defaultSigningAlgs have a signing key unless --signing-algs says
// otherwise: ES256 signs, RS256 is there for the clients that need it.
var defaultSigningAlgs = []keyset.Algorithm{keyset.ES256, keyset.RS256}

// algFlags is --signing-algs, of serve and of the key commands: the
// algorithms that have a signing key, the first signing the ID tokens of
// clients registered without an algorithm.
type algFlags struct {
	list listFlag
}

func (f *algFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.list, "signing-algs", "comma-separated `list` of the algorithms that have a signing key, published in the JWK Set: "+
		"the first signs ID tokens of clients without --id-token-alg; RS256 must be among them (OpenID Connect Discovery 1.0 §3); "+
		"add EdDSA for an Ed25519 key; give every process of a database the same list (default ES256,RS256)")
}

// algorithms returns the algorithms of the flag, checked: asymmetric,
// once each, RS256 among them.
func (f *algFlags) algorithms() ([]keyset.Algorithm, error) {
	if len(f.list.vals) == 0 {
		return slices.Clone(defaultSigningAlgs), nil
	}
	var out []keyset.Algorithm
	for _, v := range f.list.vals {
		alg := keyset.Algorithm(v)
		if !slices.Contains(keyset.AsymmetricAlgorithms(), alg) {
			return nil, fmt.Errorf("--signing-algs: %q is not one of %s", v, algorithmNames())
		}
		if slices.Contains(out, alg) {
			return nil, fmt.Errorf("--signing-algs: %s is given twice", v)
		}
		out = append(out, alg)
	}
	if !slices.Contains(out, keyset.RS256) {
		return nil, errors.New("--signing-algs: RS256 must be among the algorithms (OpenID Connect Discovery 1.0 §3)")
	}
	return out, nil
}

// explainSealed makes the error of a key-encryption key that opens none
// of the stored keys say what to do.
func explainSealed(err error, k *kek) error {
	if errors.Is(err, keyset.ErrSealed) {
		return fmt.Errorf("the key-encryption key (%s) cannot open the signing keys stored in the database: give the key they were sealed with (%s or --key-encryption-key-file); no key was changed: %w",
			k.source, kekEnv, err)
	}
	return err
}

// initKeys loads the signing keys, generating them on first start, and
// lists the JWK Set in the server metadata.
func (a *app) initKeys(ctx context.Context) error {
	k := a.kek
	list, err := a.cfg.algs.algorithms()
	if err != nil {
		return err
	}
	m := keyset.NewManager(a.store.keys, a.sealer, keyset.ManagerConfig{Algorithms: list})
	set, err := m.Load(ctx)
	if err != nil {
		return explainSealed(err, k)
	}
	a.keyManager = m
	a.keys.Store(set)
	a.log.Info("signing keys loaded", slog.String("active", set.Active().ID()),
		slog.String("key_encryption_key", k.source))
	return nil
}

// signingKeys returns the current signing keys: the active key of each
// algorithm (keyset.Set.SignerFor) and the keys published for
// verification. Hold the returned set for one use only: it is replaced at
// every reload.
func (a *app) signingKeys() *keyset.Set { return a.keys.Load() }

// reloadKeys replaces the current signing keys by those stored now. On
// failure the current keys stay in use.
func (a *app) reloadKeys(ctx context.Context) {
	set, err := a.keyManager.Load(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.log.LogAttrs(ctx, slog.LevelWarn, "reloading the signing keys failed; keeping the current ones", slog.Any("error", err))
		}
		return
	}
	if old := a.keys.Swap(set); old == nil || old.Active().ID() != set.Active().ID() {
		a.log.LogAttrs(ctx, slog.LevelInfo, "signing key activated", slog.String("kid", set.Active().ID()))
	}
}

// keyLoop reloads the signing keys every keyReloadInterval until ctx is
// done.
func (a *app) keyLoop(ctx context.Context) {
	t := time.NewTicker(a.keyReload)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.reloadKeys(ctx)
			a.reloadSessionKeys(ctx)
		}
	}
}

// reloadSessionKeys takes the session keys stored now, so that a
// rotation by `grantry keys rotate-session-key` takes effect. On failure
// the current keys stay in use.
func (a *app) reloadSessionKeys(ctx context.Context) {
	if a.sessionKeys == nil {
		return
	}
	ring, _, _, err := a.sessionKeys.load(ctx, settingSessionKey)
	if err == nil {
		err = a.sessions.setKeys(ring)
	}
	if err != nil && ctx.Err() == nil {
		a.log.LogAttrs(ctx, slog.LevelWarn, "reloading the session keys failed; keeping the current ones", slog.Any("error", err))
	}
}

// serveJWKS serves the public signing keys (RFC 7517 §5), to any origin
// as the server metadata.
func (a *app) serveJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	h := keyset.Handler{Set: a.signingKeys(), MaxAge: jwksMaxAge}
	h.ServeHTTP(w, r)
}
