package storagetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
	"github.com/grantry/grantry/storage/storagetest"
)

// The suite is checked against flawed variants of the in-memory store:
// each one breaks one rule of the contract, and the suite must fail the
// subtests that state that rule. TestVariant runs the suite against the
// variant named by variantEnv, or against the sound store when it is unset;
// TestSuiteCatchesFlaws runs TestVariant in a child process per variant.
const variantEnv = "STORAGETEST_VARIANT"

var variants = map[string]func() storagetest.Store{
	"replayable-code":     func() storagetest.Store { return replayableCode{memstore.New()} },
	"any-client-code":     func() storagetest.Store { return &anyClientCode{Store: memstore.New(), clients: map[string]string{}} },
	"quiet-reuse":         func() storagetest.Store { return quietReuse{memstore.New()} },
	"racy-rotation":       func() storagetest.Store { return racyRotation{memstore.New()} },
	"hidden-revoked":      func() storagetest.Store { return hiddenRevoked{memstore.New()} },
	"unsorted-list":       func() storagetest.Store { return unsortedList{memstore.New()} },
	"shared-client":       func() storagetest.Store { return &sharedClient{Store: memstore.New()} },
	"inclusive-purge":     func() storagetest.Store { return inclusivePurge{memstore.New()} },
	"refresh-expiry-lost": func() storagetest.Store { return refreshExpiryLost{memstore.New()} },
	"revoke-no-family":    func() storagetest.Store { return revokeOne{memstore.New()} },
	"second-precision":    func() storagetest.Store { return secondPrecision{memstore.New()} },
	"rotate-revoked":      func() storagetest.Store { return rotateRevoked{memstore.New()} },
	"metadata-lost":       func() storagetest.Store { return metadataLost{memstore.New()} },
	"metadata-kept":       func() storagetest.Store { return metadataKept{memstore.New()} },
	"racy-session-client": func() storagetest.Store { return racySessionClient{memstore.New()} },
	"hidden-expired":      func() storagetest.Store { return hiddenExpired{memstore.New()} },
	"unsorted-sessions":   func() storagetest.Store { return unsortedSessions{memstore.New()} },
	"endless-grace":       func() storagetest.Store { return endlessGrace{memstore.New()} },
}

func TestVariant(t *testing.T) {
	name := os.Getenv(variantEnv)
	newStore := func(*testing.T) storagetest.Store { return memstore.New() }
	if name != "" {
		v, ok := variants[name]
		if !ok {
			t.Fatalf("unknown variant %q", name)
		}
		newStore = func(*testing.T) storagetest.Store { return v() }
	}
	storagetest.Run(t, newStore)
	storagetest.RunSessions(t, func(t *testing.T) storage.SessionStore { return newStore(t).(storage.SessionStore) })
}

func TestSuiteCatchesFlaws(t *testing.T) {
	tests := []struct {
		variant string
		fails   []string // subtests of TestVariant that must fail
	}{
		{"replayable-code", []string{"Codes/ConsumeOnce", "Codes/ConcurrentConsume", "Codes/CopyIsolation", "Purge/Expired/Code/live-used"}},
		{"any-client-code", []string{"Codes/ConsumeOtherClient"}},
		{"quiet-reuse", []string{"Rotation/ReuseRotated", "Rotation/ReuseRevoked", "Rotation/RevokeCascades/Reuse"}},
		{"racy-rotation", []string{"Rotation/NextConflicts", "Rotation/ConcurrentRotate"}},
		{"hidden-revoked", []string{"Tokens/RevokeToken", "Tokens/RevokeFamily", "Rotation/Rotate", "Rotation/ReuseRotated"}},
		{"unsorted-list", []string{"Clients/List"}},
		{"shared-client", []string{"Clients/CopyIsolation"}},
		{"inclusive-purge", []string{"Purge/Expired/Code/expires-at-cutoff", "Purge/Expired/Token/access-at-cutoff", "Purge/Expired/Token/refresh-at-cutoff"}},
		{"refresh-expiry-lost", []string{"Tokens/RoundTrip", "Purge/Expired/Token/refresh-live", "Purge/Expired/Token/refresh-never-expires"}},
		{"revoke-no-family", []string{"Tokens/RevokeFamily", "Rotation/RevokeCascades/Revocation"}},
		{"second-precision", []string{"Tokens/Expiry/access-last-microsecond", "Tokens/Expiry/refresh-last-microsecond", "Codes/Expiry/last-microsecond"}},
		{"rotate-revoked", []string{"Families/RotateAfterRevokeFamily"}},
		{"metadata-lost", []string{"Clients/CreateGet", "Clients/Update", "Clients/List"}},
		{"metadata-kept", []string{"Clients/Update", "Clients/UpdateClearsMetadata"}},
		{"racy-session-client", []string{"Sessions/AddClientConcurrent"}},
		{"endless-grace", []string{"Grace/AfterWindow"}},
		{"hidden-expired", []string{"Sessions/ByHashExpired"}},
		{"unsorted-sessions", []string{"Sessions/List"}},
	}
	if len(tests) != len(variants) {
		t.Fatalf("got %d cases for %d variants, want one each", len(tests), len(variants))
	}
	for _, tc := range tests {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestVariant$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), variantEnv+"="+tc.variant)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("suite run: got error %v, want a failing exit status\n%s", err, out)
			}
			for _, sub := range tc.fails {
				if !strings.Contains(string(out), "--- FAIL: TestVariant/"+sub+" ") {
					t.Errorf("subtest %s: did not fail, want it to fail\n%s", sub, out)
				}
			}
		})
	}
}

// replayableCode lets a used code be consumed again.
type replayableCode struct{ *memstore.Store }

func (s replayableCode) ConsumeAuthorizationCode(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	c, err := s.Store.ConsumeAuthorizationCode(ctx, hash, clientID, now)
	if errors.Is(err, storage.ErrCodeUsed) {
		err = nil
	}
	return c, err
}

// anyClientCode lets any client consume a code, as a backend that leaves
// the client check to its caller would.
type anyClientCode struct {
	*memstore.Store
	mu      sync.Mutex
	clients map[string]string // client ID by code hash
}

func (s *anyClientCode) CreateAuthorizationCode(ctx context.Context, c *storage.AuthorizationCode) error {
	err := s.Store.CreateAuthorizationCode(ctx, c)
	if err == nil {
		s.mu.Lock()
		s.clients[c.Hash] = c.ClientID
		s.mu.Unlock()
	}
	return err
}

func (s *anyClientCode) ConsumeAuthorizationCode(ctx context.Context, hash, _ string, now time.Time) (*storage.AuthorizationCode, error) {
	s.mu.Lock()
	owner := s.clients[hash]
	s.mu.Unlock()
	return s.Store.ConsumeAuthorizationCode(ctx, hash, owner, now)
}

// quietReuse reports reuse of a revoked refresh token without revoking its
// family.
type quietReuse struct{ *memstore.Store }

func (s quietReuse) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	if old, err := s.TokenByRefresh(ctx, oldHash); err == nil && old.Revoked {
		return storage.ErrRefreshReused
	}
	return s.Store.RotateRefreshToken(ctx, oldHash, next)
}

// endlessGrace never lets a grace period end: it judges every rotation as
// if made at the zero time.
type endlessGrace struct{ *memstore.Store }

func (s endlessGrace) RotateRefreshTokenGrace(ctx context.Context, oldHash string, next *storage.Token, g storage.Grace) error {
	early := *next
	early.IssuedAt = time.Time{}
	return s.Store.RotateRefreshTokenGrace(ctx, oldHash, &early, g)
}

// racyRotation checks and then acts in separate steps, so that concurrent
// rotations of one refresh token can all succeed.
type racyRotation struct{ *memstore.Store }

func (s racyRotation) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	old, err := s.TokenByRefresh(ctx, oldHash)
	if err != nil || old.Revoked {
		return s.Store.RotateRefreshToken(ctx, oldHash, next)
	}
	time.Sleep(10 * time.Millisecond) // widen the window between check and act
	if err := s.RevokeToken(ctx, old.ID); err != nil {
		return err
	}
	return s.CreateToken(ctx, next)
}

// hiddenRevoked does not return revoked tokens by access hash.
type hiddenRevoked struct{ *memstore.Store }

func (s hiddenRevoked) TokenByAccess(ctx context.Context, hash string) (*storage.Token, error) {
	t, err := s.Store.TokenByAccess(ctx, hash)
	if err == nil && t.Revoked {
		return nil, storage.ErrNotFound
	}
	return t, err
}

// unsortedList lists clients in reverse ID order.
type unsortedList struct{ *memstore.Store }

func (s unsortedList) ListClients(ctx context.Context) ([]*storage.Client, error) {
	list, err := s.Store.ListClients(ctx)
	slices.Reverse(list)
	return list, err
}

// sharedClient hands every reader the same client value.
type sharedClient struct {
	*memstore.Store
	mu   sync.Mutex
	seen map[string]*storage.Client
}

func (s *sharedClient) GetClient(ctx context.Context, id string) (*storage.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.seen[id]; ok {
		return c, nil
	}
	c, err := s.Store.GetClient(ctx, id)
	if err == nil {
		if s.seen == nil {
			s.seen = make(map[string]*storage.Client)
		}
		s.seen[id] = c
	}
	return c, err
}

// inclusivePurge also removes what expires exactly at the cut-off time.
type inclusivePurge struct{ *memstore.Store }

func (s inclusivePurge) Purge(ctx context.Context, before time.Time) (int, error) {
	return s.Store.Purge(ctx, before.Add(time.Microsecond))
}

// refreshExpiryLost stores the access expiry in place of the refresh
// expiry, as a backend with a mistaken column mapping would.
type refreshExpiryLost struct{ *memstore.Store }

func (s refreshExpiryLost) CreateToken(ctx context.Context, t *storage.Token) error {
	if t.RefreshHash != "" {
		d := *t
		d.RefreshExpiresAt = t.ExpiresAt
		t = &d
	}
	return s.Store.CreateToken(ctx, t)
}

// revokeOne revokes nothing when asked to revoke a family.
type revokeOne struct{ *memstore.Store }

func (revokeOne) RevokeFamily(context.Context, string) error { return nil }

// secondPrecision keeps expiry times to the second only, as a backend
// storing Unix seconds would.
type secondPrecision struct{ *memstore.Store }

func (s secondPrecision) CreateToken(ctx context.Context, t *storage.Token) error {
	d := *t
	d.ExpiresAt = t.ExpiresAt.Truncate(time.Second)
	d.RefreshExpiresAt = t.RefreshExpiresAt.Truncate(time.Second)
	return s.Store.CreateToken(ctx, &d)
}

func (s secondPrecision) CreateAuthorizationCode(ctx context.Context, c *storage.AuthorizationCode) error {
	d := *c
	d.ExpiresAt = c.ExpiresAt.Truncate(time.Second)
	return s.Store.CreateAuthorizationCode(ctx, &d)
}

// rotateRevoked rotates a revoked refresh token as a live one, storing the
// next token revoked, instead of reporting the reuse.
type rotateRevoked struct{ *memstore.Store }

func (s rotateRevoked) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	if old, err := s.TokenByRefresh(ctx, oldHash); err == nil && old.Revoked {
		d := *next
		d.Revoked = true
		return s.CreateToken(ctx, &d)
	}
	return s.Store.RotateRefreshToken(ctx, oldHash, next)
}

// metadataLost forgets, on create, the post-logout redirect URIs and
// whether back-channel logout wants a session ID.
type metadataLost struct{ *memstore.Store }

func (s metadataLost) CreateClient(ctx context.Context, c *storage.Client) error {
	c = c.Clone()
	c.PostLogoutRedirectURIs, c.BackchannelLogoutSessionRequired = nil, false
	return s.Store.CreateClient(ctx, c)
}

// metadataKept leaves, on update, the OpenID Connect metadata stored
// before, as an UPDATE that forgets some columns would.
type metadataKept struct{ *memstore.Store }

func (s metadataKept) UpdateClient(ctx context.Context, c *storage.Client) error {
	old, err := s.GetClient(ctx, c.ID)
	if err != nil {
		return err
	}
	c = c.Clone()
	c.IDTokenSignedResponseAlg, c.SubjectType, c.SectorIdentifierURI = old.IDTokenSignedResponseAlg, old.SubjectType, old.SectorIdentifierURI
	c.PostLogoutRedirectURIs, c.BackchannelLogoutURI = old.PostLogoutRedirectURIs, old.BackchannelLogoutURI
	c.BackchannelLogoutSessionRequired = old.BackchannelLogoutSessionRequired
	return s.Store.UpdateClient(ctx, c)
}

// racySessionClient reads a session's clients and writes them back in
// separate steps, so that concurrent additions can lose one another.
type racySessionClient struct{ *memstore.Store }

func (s racySessionClient) AddSessionClient(ctx context.Context, id, clientID string) error {
	list, err := s.ListSessions(ctx, "")
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(sess *storage.Session) bool { return sess.ID == id })
	if i < 0 {
		return storage.ErrNotFound
	}
	runtime.Gosched()
	if _, err := s.DeleteSession(ctx, id); err != nil {
		return err
	}
	sess := list[i]
	if !slices.Contains(sess.Clients, clientID) {
		sess.Clients = append(sess.Clients, clientID)
	}
	return s.CreateSession(ctx, sess)
}

// hiddenExpired decides expiry itself, by the wall clock.
type hiddenExpired struct{ *memstore.Store }

func (s hiddenExpired) SessionByHash(ctx context.Context, hash string) (*storage.Session, error) {
	sess, err := s.Store.SessionByHash(ctx, hash)
	if err == nil && !time.Now().Before(sess.ExpiresAt) {
		return nil, storage.ErrNotFound
	}
	return sess, err
}

// unsortedSessions lists the oldest session first.
type unsortedSessions struct{ *memstore.Store }

func (s unsortedSessions) ListSessions(ctx context.Context, subject string) ([]*storage.Session, error) {
	list, err := s.Store.ListSessions(ctx, subject)
	slices.Reverse(list)
	return list, err
}
