package storagetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// LogoutStore is a session store that queues the logouts of the sessions
// it ends (storage.LogoutQueue).
type LogoutStore interface {
	storage.SessionStore
	storage.LogoutQueue
}

// RunLogouts runs the conformance suite of storage.LogoutQueue (group
// "Logouts") as subtests of t. newStore is called once per subtest and
// must return a new, empty store. When the store is also a UserAdmin, the
// logouts queued by DeleteUser are checked; when it is a storage.Purger,
// that expired sessions it purges are not queued.
func RunLogouts(t *testing.T, newStore func(t *testing.T) LogoutStore) {
	tests := slices.Clone(logoutTests)
	probe := newStore(t)
	if _, ok := probe.(UserAdmin); ok {
		tests = append(tests, test[LogoutStore]{"DeleteUser", testLogoutDeleteUser})
	}
	if _, ok := probe.(storage.Purger); ok {
		tests = append(tests, test[LogoutStore]{"PurgeQueuesNone", testLogoutPurge})
	}
	runGroup(t, "Logouts", tests, newStore)
}

var logoutTests = []test[LogoutStore]{
	{"DeleteSession", testLogoutDeleteSession},
	{"DeleteSessionWithoutClients", testLogoutNoClients},
	{"DeleteUserSessions", testLogoutDeleteUserSessions},
	{"EmptyQueue", testLogoutEmpty},
	{"Lease", testLogoutLease},
	{"LimitAndOrder", testLogoutLimit},
	{"Complete", testLogoutComplete},
	{"ClaimConcurrent", testLogoutClaimConcurrent},
}

// lease is the claim of the logout tests.
const lease = time.Minute

// claimAll claims every logout claimable at now.
func claimAll(t *testing.T, s storage.LogoutQueue, now time.Time) []*storage.PendingLogout {
	t.Helper()
	list, err := s.ClaimLogouts(t.Context(), now, lease, 1000)
	if err != nil {
		t.Fatalf("ClaimLogouts: got error %v, want nil", err)
	}
	return list
}

// wantLogouts checks that got are the logouts of the ended sessions, in
// order, created between before and now.
func wantLogouts(t *testing.T, what string, got []*storage.PendingLogout, ended []*storage.Session, before time.Time) {
	t.Helper()
	var gotIDs, wantIDs []string
	for _, l := range got {
		gotIDs = append(gotIDs, l.SessionID)
	}
	for _, s := range ended {
		wantIDs = append(wantIDs, s.ID)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Fatalf("%s: got logouts of %q, want %q", what, gotIDs, wantIDs)
	}
	after := time.Now().Add(time.Second)
	for i, l := range got {
		var d diff
		d.str("Subject", l.Subject, ended[i].Subject)
		d.strs("Clients", l.Clients, ended[i].Clients)
		d.report(t, what+"["+l.SessionID+"]")
		if l.CreatedAt.Before(before.Add(-time.Second)) || l.CreatedAt.After(after) {
			t.Errorf("%s[%s]: got CreatedAt %v, want the time it was queued, %v", what, l.SessionID, l.CreatedAt, before)
		}
	}
}

func mustDeleteSession(t *testing.T, s storage.SessionStore, id string) {
	t.Helper()
	if _, err := s.DeleteSession(t.Context(), id); err != nil {
		t.Fatalf("DeleteSession(%q): got error %v, want nil", id, err)
	}
}

func testLogoutDeleteSession(t *testing.T, s LogoutStore) {
	all := storeSessions(t, s)
	victim := all[1]
	if err := s.AddSessionClient(t.Context(), victim.ID, "web"); err != nil {
		t.Fatalf("AddSessionClient: got error %v, want nil", err)
	}
	before := time.Now()
	mustDeleteSession(t, s, victim.ID)
	want := victim.Clone()
	want.Clients = append(want.Clients, "web")
	wantLogouts(t, "ClaimLogouts after DeleteSession", claimAll(t, s, time.Now()), []*storage.Session{want}, before)
}

func testLogoutNoClients(t *testing.T, s LogoutStore) {
	sess := newSession("quiet", "alice", 0)
	sess.Clients = nil
	mustCreateSession(t, s, sess)
	mustDeleteSession(t, s, sess.ID)
	if got := claimAll(t, s, time.Now()); len(got) != 0 {
		t.Errorf("ClaimLogouts after ending a session without clients: got %d logouts, want none", len(got))
	}
}

func testLogoutDeleteUserSessions(t *testing.T, s LogoutStore) {
	all := storeSessions(t, s)
	before := time.Now()
	if _, err := s.DeleteUserSessions(t.Context(), "carol"); err != nil {
		t.Fatalf("DeleteUserSessions: got error %v, want nil", err)
	}
	got := claimAll(t, s, time.Now())
	ended := of(all, "carol")
	slices.SortFunc(ended, func(a, b *storage.Session) int { return strings.Compare(a.ID, b.ID) })
	// Queued in one step: the same CreatedAt, so in the order of their IDs.
	wantLogouts(t, "ClaimLogouts after DeleteUserSessions", got, ended, before)
}

func testLogoutDeleteUser(t *testing.T, s LogoutStore) {
	admin := s.(UserAdmin)
	u := newUser("alice")
	if err := admin.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: got error %v, want nil", err)
	}
	mine, other := newSession("mine", u.ID, 0), newSession("other", "bob", 0)
	mustCreateSession(t, s, mine)
	mustCreateSession(t, s, other)
	before := time.Now()
	if err := admin.DeleteUser(t.Context(), u.ID); err != nil {
		t.Fatalf("DeleteUser: got error %v, want nil", err)
	}
	wantLogouts(t, "ClaimLogouts after DeleteUser", claimAll(t, s, time.Now()), []*storage.Session{mine}, before)
}

func testLogoutPurge(t *testing.T, s LogoutStore) {
	sess := newSession("expired", "alice", 0)
	sess.ExpiresAt = cutoff.Add(-time.Hour)
	mustCreateSession(t, s, sess)
	if n, err := s.(storage.Purger).Purge(t.Context(), cutoff); err != nil || n != 1 {
		t.Fatalf("Purge: got (%d, %v), want (1, nil)", n, err)
	}
	if got := claimAll(t, s, time.Now()); len(got) != 0 {
		t.Errorf("ClaimLogouts after purging an expired session: got %d logouts, want none", len(got))
	}
}

func testLogoutEmpty(t *testing.T, s LogoutStore) {
	if got := claimAll(t, s, time.Now()); len(got) != 0 {
		t.Errorf("ClaimLogouts of an empty queue: got %d logouts, want none", len(got))
	}
	if err := s.CompleteLogout(t.Context(), "sid-nobody"); err != nil {
		t.Errorf("CompleteLogout(sid-nobody): got error %v, want nil", err)
	}
}

// testLogoutLease checks that a claimed logout is not claimed again until
// its claim lapses.
func testLogoutLease(t *testing.T, s LogoutStore) {
	sess := newSession("leased", "alice", 0)
	mustCreateSession(t, s, sess)
	mustDeleteSession(t, s, sess.ID)
	now := time.Now()
	tests := []struct {
		name string
		at   time.Time
		want int
	}{
		{"first claim", now, 1},
		{"again at once", now, 0},
		{"just before the claim lapses", now.Add(lease - time.Millisecond), 0},
		{"once the claim lapsed", now.Add(lease), 1},
		{"claimed again", now.Add(lease + time.Second), 0},
	}
	for _, tt := range tests {
		if got := claimAll(t, s, tt.at); len(got) != tt.want {
			t.Errorf("%s: got %d logouts, want %d", tt.name, len(got), tt.want)
		}
	}
}

func testLogoutLimit(t *testing.T, s LogoutStore) {
	var ids []string
	for _, name := range []string{"c", "a", "d", "b"} {
		sess := newSession(name, "alice", 0)
		mustCreateSession(t, s, sess)
		mustDeleteSession(t, s, sess.ID)
		ids = append(ids, sess.ID)
	}
	now := time.Now().Add(time.Second)
	var got []string
	for _, limit := range []int{3, 3, 3} {
		list, err := s.ClaimLogouts(t.Context(), now, lease, limit)
		if err != nil {
			t.Fatalf("ClaimLogouts: got error %v, want nil", err)
		}
		if len(list) > limit {
			t.Errorf("ClaimLogouts(limit %d): got %d logouts", limit, len(list))
		}
		for _, l := range list {
			got = append(got, l.SessionID)
		}
	}
	// Queued one after another: oldest first, unless the clock did not
	// move between them, then by ID; every one once.
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("claims with limit 3: got %q in all, want %q once each", got, ids)
	}
	if list, err := s.ClaimLogouts(t.Context(), now, lease, 0); err != nil || len(list) != 0 {
		t.Errorf("ClaimLogouts(limit 0): got (%d, %v), want none and nil", len(list), err)
	}
}

func testLogoutComplete(t *testing.T, s LogoutStore) {
	done, kept := newSession("done", "alice", 0), newSession("kept", "alice", 0)
	for _, sess := range []*storage.Session{done, kept} {
		mustCreateSession(t, s, sess)
		mustDeleteSession(t, s, sess.ID)
	}
	now := time.Now()
	claimAll(t, s, now)
	for range 2 {
		if err := s.CompleteLogout(t.Context(), done.ID); err != nil {
			t.Fatalf("CompleteLogout: got error %v, want nil", err)
		}
	}
	got := claimAll(t, s, now.Add(lease))
	if len(got) != 1 || got[0].SessionID != kept.ID {
		t.Errorf("ClaimLogouts after completing %s: got %d logouts, want only %s", done.ID, len(got), kept.ID)
	}
}

// testLogoutClaimConcurrent checks that of many processes claiming at
// once, each logout goes to exactly one.
func testLogoutClaimConcurrent(t *testing.T, s LogoutStore) {
	const queued = 20
	for i := range queued {
		sess := newSession(string(rune('a'+i)), "alice", 0)
		mustCreateSession(t, s, sess)
		mustDeleteSession(t, s, sess.ID)
	}
	now := time.Now().Add(time.Second)
	var mu sync.Mutex
	claimed := map[string]int{}
	race(func(int) {
		list, err := s.ClaimLogouts(t.Context(), now, lease, 1)
		if err != nil {
			t.Errorf("ClaimLogouts: got error %v, want nil", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, l := range list {
			claimed[l.SessionID]++
		}
	})
	if len(claimed) != queued {
		t.Errorf("concurrent claims: got %d logouts claimed, want %d", len(claimed), queued)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("logout of %s: claimed %d times, want once", id, n)
		}
	}
}
