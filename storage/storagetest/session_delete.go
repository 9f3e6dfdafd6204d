package storagetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// storeSessions stores sessions of alice and bob created at distinct
// times, and two of carol created at the same time, and returns them
// newest first, then by ID, as ListSessions orders them.
func storeSessions(t *testing.T, s storage.SessionStore) []*storage.Session {
	t.Helper()
	stored := []*storage.Session{
		newSession("alice-old", "alice", -2*time.Hour),
		newSession("bob", "bob", -time.Hour),
		newSession("carol-2", "carol", time.Minute),
		newSession("alice-new", "alice", time.Hour),
		newSession("carol-1", "carol", time.Minute),
	}
	for _, sess := range stored {
		mustCreateSession(t, s, sess)
	}
	return []*storage.Session{stored[3], stored[4], stored[2], stored[1], stored[0]}
}

func of(list []*storage.Session, subject string) []*storage.Session {
	return slices.DeleteFunc(slices.Clone(list), func(s *storage.Session) bool { return s.Subject != subject })
}

func wantSessions(t *testing.T, what string, got, want []*storage.Session) {
	t.Helper()
	if !slices.Equal(sessionIDs(got), sessionIDs(want)) {
		t.Errorf("%s: got sessions %q, want %q", what, sessionIDs(got), sessionIDs(want))
		return
	}
	for i := range got {
		sessionDiff(got[i], want[i]).report(t, what+"["+want[i].ID+"]")
	}
}

func testSessionList(t *testing.T, s storage.SessionStore) {
	all := storeSessions(t, s)
	for _, subject := range []string{"", "alice", "bob", "carol", "dave"} {
		got, err := s.ListSessions(t.Context(), subject)
		if err != nil {
			t.Fatalf("ListSessions(%q): got error %v, want nil", subject, err)
		}
		want := all
		if subject != "" {
			want = of(all, subject)
		}
		wantSessions(t, "ListSessions("+subject+")", got, want)
	}
}

func testSessionListEmpty(t *testing.T, s storage.SessionStore) {
	if list, err := s.ListSessions(t.Context(), ""); err != nil || len(list) != 0 {
		t.Errorf("ListSessions on an empty store: got (%v, %v), want none and nil", list, err)
	}
}

func testSessionDelete(t *testing.T, s storage.SessionStore) {
	all := storeSessions(t, s)
	victim := all[0]
	if err := s.AddSessionClient(t.Context(), victim.ID, "web"); err != nil {
		t.Fatalf("AddSessionClient: got error %v, want nil", err)
	}
	got, err := s.DeleteSession(t.Context(), victim.ID)
	if err != nil {
		t.Fatalf("DeleteSession: got error %v, want nil", err)
	}
	want := victim.Clone()
	want.Clients = append(want.Clients, "web")
	sessionDiff(got, want).report(t, "DeleteSession")
	wantSessionGone(t, s, victim)
	if got, err := s.DeleteSession(t.Context(), victim.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second DeleteSession: got (%v, %v), want ErrNotFound", got, err)
	}
	if err := s.AddSessionClient(t.Context(), victim.ID, "web"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("AddSessionClient to a deleted session: got %v, want ErrNotFound", err)
	}
	rest, err := s.ListSessions(t.Context(), "")
	if err != nil {
		t.Fatalf("ListSessions: got error %v, want nil", err)
	}
	wantSessions(t, "ListSessions after DeleteSession", rest, all[1:])
}

func testSessionDeleteUnknown(t *testing.T, s storage.SessionStore) {
	all := storeSessions(t, s)
	if got, err := s.DeleteSession(t.Context(), "sid-nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteSession(sid-nobody): got (%v, %v), want ErrNotFound", got, err)
	}
	rest, _ := s.ListSessions(t.Context(), "")
	wantSessions(t, "ListSessions after deleting nothing", rest, all)
}

func testSessionDeleteUser(t *testing.T, s storage.SessionStore) {
	all := storeSessions(t, s)
	got, err := s.DeleteUserSessions(t.Context(), "alice")
	if err != nil {
		t.Fatalf("DeleteUserSessions(alice): got error %v, want nil", err)
	}
	wantSessions(t, "DeleteUserSessions(alice)", got, of(all, "alice"))
	for _, sess := range of(all, "alice") {
		wantSessionGone(t, s, sess)
	}
	rest, err := s.ListSessions(t.Context(), "")
	if err != nil {
		t.Fatalf("ListSessions: got error %v, want nil", err)
	}
	others := slices.DeleteFunc(slices.Clone(all), func(s *storage.Session) bool { return s.Subject == "alice" })
	wantSessions(t, "ListSessions after DeleteUserSessions", rest, others)
}

func testSessionDeleteUserNone(t *testing.T, s storage.SessionStore) {
	all := storeSessions(t, s)
	for _, subject := range []string{"dave", ""} {
		got, err := s.DeleteUserSessions(t.Context(), subject)
		if err != nil || len(got) != 0 {
			t.Errorf("DeleteUserSessions(%q): got (%v, %v), want none and nil", subject, sessionIDs(got), err)
		}
	}
	rest, _ := s.ListSessions(t.Context(), "")
	wantSessions(t, "ListSessions after deleting nothing", rest, all)
}

func testSessionCopyIsolation(t *testing.T, s storage.SessionStore) {
	in := newSession("a", "alice", 0)
	mustCreateSession(t, s, in)
	in.AMR[0], in.Clients[0], in.Subject = "changed", "changed", "changed"
	got := mustSessionByHash(t, s, in.Hash)
	got.AMR[1], got.Clients[0] = "changed too", "changed too"
	list, _ := s.ListSessions(t.Context(), "")
	if len(list) == 1 {
		list[0].Clients[0] = "changed in the list"
	}
	sessionDiff(mustSessionByHash(t, s, in.Hash), newSession("a", "alice", 0)).report(t, "SessionByHash after changing copies")
}

// testSessionPurge checks, when the store is a storage.Purger, that the
// sessions expired strictly before the cutoff are removed and counted.
func testSessionPurge(t *testing.T, s storage.SessionStore) {
	p, ok := s.(storage.Purger)
	if !ok {
		t.Skip("the store is not a storage.Purger")
	}
	expired, atCutoff, live := newSession("expired", "alice", 0), newSession("at-cutoff", "alice", 0), newSession("live", "bob", 0)
	expired.ExpiresAt, atCutoff.ExpiresAt, live.ExpiresAt = cutoff.Add(-time.Microsecond), cutoff, cutoff.Add(time.Hour)
	for _, sess := range []*storage.Session{expired, atCutoff, live} {
		mustCreateSession(t, s, sess)
	}
	if n, err := p.Purge(t.Context(), cutoff); err != nil || n != 1 {
		t.Errorf("Purge: got (%d, %v), want (1, nil)", n, err)
	}
	wantSessionGone(t, s, expired)
	sessionDiff(mustSessionByHash(t, s, atCutoff.Hash), atCutoff).report(t, "SessionByHash of the session expiring at the cutoff")
	sessionDiff(mustSessionByHash(t, s, live.Hash), live).report(t, "SessionByHash of the live session")
}
