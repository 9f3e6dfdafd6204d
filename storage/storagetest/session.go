package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// RunSessions runs the conformance suite of storage.SessionStore (group
// "Sessions") as subtests of t. newStore is called once per subtest and
// must return a new, empty store. When the store is also a
// storage.Purger, the purge of expired sessions is checked too.
func RunSessions(t *testing.T, newStore func(t *testing.T) storage.SessionStore) {
	runGroup(t, "Sessions", sessionTests, newStore)
}

var sessionTests = []test[storage.SessionStore]{
	{"CreateGet", testSessionCreateGet},
	{"CreateDuplicate", testSessionDuplicate},
	{"ByHashUnknown", testSessionByHashUnknown},
	{"ByHashExpired", testSessionByHashExpired},
	{"AddClient", testSessionAddClient},
	{"AddClientUnknown", testSessionAddClientUnknown},
	{"AddClientConcurrent", testSessionAddClientConcurrent},
	{"List", testSessionList},
	{"ListEmpty", testSessionListEmpty},
	{"Delete", testSessionDelete},
	{"DeleteUnknown", testSessionDeleteUnknown},
	{"DeleteUser", testSessionDeleteUser},
	{"DeleteUserNone", testSessionDeleteUserNone},
	{"CopyIsolation", testSessionCopyIsolation},
	{"Purge", testSessionPurge},
}

// newSession returns a session of subject with every field set, distinct
// for each name, created d after base.
func newSession(name, subject string, d time.Duration) *storage.Session {
	return &storage.Session{
		ID:        "sid-" + name,
		Hash:      secret.Digest("session-token-" + name),
		Subject:   subject,
		AuthTime:  at(d - time.Second),
		ACR:       "urn:example:acr:" + name,
		AMR:       []string{"pwd", "otp"},
		CreatedAt: at(d),
		ExpiresAt: at(d + 8*time.Hour),
		Clients:   []string{"client-" + name},
	}
}

func sessionDiff(got, want *storage.Session) diff {
	var d diff
	d.str("ID", got.ID, want.ID)
	d.str("Hash", got.Hash, want.Hash)
	d.str("Subject", got.Subject, want.Subject)
	d.time("AuthTime", got.AuthTime, want.AuthTime)
	d.str("ACR", got.ACR, want.ACR)
	d.strs("AMR", got.AMR, want.AMR)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.strs("Clients", got.Clients, want.Clients)
	return d
}

func mustCreateSession(t *testing.T, s storage.SessionStore, sess *storage.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession(%q): got error %v, want nil", sess.ID, err)
	}
}

func mustSessionByHash(t *testing.T, s storage.SessionStore, hash string) *storage.Session {
	t.Helper()
	sess, err := s.SessionByHash(t.Context(), hash)
	if err != nil {
		t.Fatalf("SessionByHash: got error %v, want nil", err)
	}
	return sess
}

func wantSessionGone(t *testing.T, s storage.SessionStore, sess *storage.Session) {
	t.Helper()
	if got, err := s.SessionByHash(t.Context(), sess.Hash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SessionByHash of session %q: got (%v, %v), want ErrNotFound", sess.ID, got, err)
	}
}

func sessionIDs(list []*storage.Session) []string {
	out := make([]string, len(list))
	for i, sess := range list {
		out[i] = sess.ID
	}
	return out
}

func testSessionCreateGet(t *testing.T, s storage.SessionStore) {
	want := newSession("a", "alice", 0)
	mustCreateSession(t, s, want)
	sessionDiff(mustSessionByHash(t, s, want.Hash), want).report(t, "SessionByHash")
	bare := &storage.Session{ID: "sid-bare", Hash: secret.Digest("bare"), Subject: "bob", CreatedAt: base, ExpiresAt: at(time.Hour)}
	mustCreateSession(t, s, bare)
	sessionDiff(mustSessionByHash(t, s, bare.Hash), bare).report(t, "SessionByHash of a session without ACR, AMR and clients")
}

func testSessionDuplicate(t *testing.T, s storage.SessionStore) {
	first := newSession("a", "alice", 0)
	mustCreateSession(t, s, first)
	sameID, sameHash := newSession("b", "bob", 0), newSession("c", "carol", 0)
	sameID.ID, sameHash.Hash = first.ID, first.Hash
	for name, dup := range map[string]*storage.Session{"ID": sameID, "Hash": sameHash} {
		if err := s.CreateSession(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
			t.Errorf("CreateSession with a stored %s: got %v, want ErrExists", name, err)
		}
	}
	wantSessionGone(t, s, sameID)
	sessionDiff(mustSessionByHash(t, s, first.Hash), first).report(t, "SessionByHash after refused duplicates")
}

func testSessionByHashUnknown(t *testing.T, s storage.SessionStore) {
	mustCreateSession(t, s, newSession("a", "alice", 0))
	for _, hash := range []string{secret.Digest("other"), "", "sid-a"} {
		if got, err := s.SessionByHash(t.Context(), hash); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("SessionByHash(%q): got (%v, %v), want ErrNotFound", hash, got, err)
		}
	}
}

// testSessionByHashExpired checks that the store returns an expired
// session: expiry is the caller's to decide, by its clock. The session
// expired decades before base, and before any clock a store could read.
func testSessionByHashExpired(t *testing.T, s storage.SessionStore) {
	want := newSession("a", "alice", -30*365*24*time.Hour)
	mustCreateSession(t, s, want)
	sessionDiff(mustSessionByHash(t, s, want.Hash), want).report(t, "SessionByHash of an expired session")
}

func testSessionAddClient(t *testing.T, s storage.SessionStore) {
	sess, other := newSession("a", "alice", 0), newSession("b", "alice", 0)
	mustCreateSession(t, s, sess)
	mustCreateSession(t, s, other)
	for _, c := range []string{"web", "client-a", "mobile", "web"} {
		if err := s.AddSessionClient(t.Context(), sess.ID, c); err != nil {
			t.Fatalf("AddSessionClient(%q): got error %v, want nil", c, err)
		}
	}
	want := sess.Clone()
	want.Clients = []string{"client-a", "web", "mobile"}
	sessionDiff(mustSessionByHash(t, s, sess.Hash), want).report(t, "SessionByHash after AddSessionClient")
	sessionDiff(mustSessionByHash(t, s, other.Hash), other).report(t, "SessionByHash of the other session")
}

func testSessionAddClientUnknown(t *testing.T, s storage.SessionStore) {
	if err := s.AddSessionClient(t.Context(), "sid-nobody", "web"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("AddSessionClient to an unknown session: got %v, want ErrNotFound", err)
	}
}

// sessionContenders is how many goroutines add clients to one session at
// once: ten clients, each added by four of them.
const sessionContenders = 40

func testSessionAddClientConcurrent(t *testing.T, s storage.SessionStore) {
	sess := newSession("a", "alice", 0)
	sess.Clients = nil
	mustCreateSession(t, s, sess)
	errs := make([]error, sessionContenders)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range sessionContenders {
		go func() {
			<-start
			errs[i] = s.AddSessionClient(t.Context(), sess.ID, fmt.Sprint("client-", i%10))
			done <- struct{}{}
		}()
	}
	close(start)
	for range sessionContenders {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("AddSessionClient %d: got error %v, want nil", i, err)
		}
	}
	got := mustSessionByHash(t, s, sess.Hash).Clients
	sorted := slices.Sorted(slices.Values(got))
	want := []string{"client-0", "client-1", "client-2", "client-3", "client-4", "client-5", "client-6", "client-7", "client-8", "client-9"}
	if !slices.Equal(sorted, want) {
		t.Errorf("Clients after concurrent adds: got %q, want each of %q once", got, want)
	}
}
