package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// RunDevices runs the conformance suite of storage.DeviceStore (group
// "Devices") as subtests of t. newStore is called once per subtest and
// must return a new, empty store. When the store is also a
// storage.Purger, the purge of expired authorizations is checked too.
func RunDevices(t *testing.T, newStore func(t *testing.T) storage.DeviceStore) {
	runGroup(t, "Devices", deviceTests, newStore)
}

var deviceTests = []test[storage.DeviceStore]{
	{"CreateFind", testDeviceCreateFind},
	{"CreateDuplicate", testDeviceDuplicate},
	{"FindUnknownOrExpired", testDeviceFindMissing},
	{"Approve", testDeviceApprove},
	{"Deny", testDeviceDeny},
	{"DecideOnce", testDeviceDecideOnce},
	{"DecideExpired", testDeviceDecideExpired},
	{"PollPending", testDevicePollPending},
	{"PollSlowDown", testDevicePollSlowDown},
	{"PollOtherClient", testDevicePollOtherClient},
	{"PollExpired", testDevicePollExpired},
	{"PollApprovedOnce", testDevicePollApprovedOnce},
	{"PollConcurrent", testDevicePollConcurrent},
	{"DecideConcurrent", testDeviceDecideConcurrent},
	{"Purge", testDevicePurge},
}

// deviceInterval is the polling interval of every fixture.
const deviceInterval = 5 * time.Second

// newDevice returns a pending authorization, distinct for each name,
// created at base and living ten minutes.
func newDevice(name string) *storage.DeviceAuthorization {
	return &storage.DeviceAuthorization{
		DeviceCodeHash: secret.Digest("device-" + name),
		UserCodeHash:   secret.Digest("USER" + name),
		ClientID:       "client-" + name,
		Scope:          grantry.Scope{"profile", "email"},
		Status:         storage.DevicePending,
		Interval:       deviceInterval,
		CreatedAt:      at(0),
		ExpiresAt:      at(10 * time.Minute),
	}
}

func approval(subject string) *storage.DeviceDecision {
	return &storage.DeviceDecision{
		Approve: true, Subject: subject, GrantedScope: grantry.Scope{"profile"},
		AuthTime: at(-time.Minute), Extra: map[string]string{"sid": "session-" + subject},
	}
}

func deviceDiff(got, want *storage.DeviceAuthorization) diff {
	var d diff
	d.str("DeviceCodeHash", got.DeviceCodeHash, want.DeviceCodeHash)
	d.str("UserCodeHash", got.UserCodeHash, want.UserCodeHash)
	d.str("ClientID", got.ClientID, want.ClientID)
	d.strs("Scope", got.Scope, want.Scope)
	d.str("Status", string(got.Status), string(want.Status))
	d.str("Subject", got.Subject, want.Subject)
	d.strs("GrantedScope", got.GrantedScope, want.GrantedScope)
	d.time("AuthTime", got.AuthTime, want.AuthTime)
	d.extra(got.Extra, want.Extra)
	if got.Interval != want.Interval {
		d = append(d, fmt.Sprintf("Interval: got %v, want %v", got.Interval, want.Interval))
	}
	d.time("LastPoll", got.LastPoll, want.LastPoll)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	return d
}

func createDevice(t *testing.T, s storage.DeviceStore, d *storage.DeviceAuthorization) {
	t.Helper()
	if err := s.CreateDeviceAuthorization(t.Context(), d); err != nil {
		t.Fatalf("CreateDeviceAuthorization: %v", err)
	}
}

func poll(t *testing.T, s storage.DeviceStore, d *storage.DeviceAuthorization, now time.Duration) (*storage.DeviceAuthorization, storage.DevicePoll) {
	t.Helper()
	got, out, err := s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, d.ClientID, at(now))
	if err != nil {
		t.Fatalf("PollDeviceAuthorization at %v: %v", now, err)
	}
	return got, out
}

func testDeviceCreateFind(t *testing.T, s storage.DeviceStore) {
	want := newDevice("a")
	createDevice(t, s, want)
	want.Scope[0] = "changed" // the store keeps its own copy
	got, err := s.DeviceAuthorizationByUserCode(t.Context(), want.UserCodeHash, at(time.Minute))
	if err != nil {
		t.Fatalf("DeviceAuthorizationByUserCode: %v", err)
	}
	want.Scope[0] = "profile"
	deviceDiff(got, want).report(t, "device authorization")
}

func testDeviceDuplicate(t *testing.T, s storage.DeviceStore) {
	createDevice(t, s, newDevice("a"))
	sameDevice, sameUser := newDevice("b"), newDevice("c")
	sameDevice.DeviceCodeHash = newDevice("a").DeviceCodeHash
	sameUser.UserCodeHash = newDevice("a").UserCodeHash
	for name, d := range map[string]*storage.DeviceAuthorization{"device code": sameDevice, "user code": sameUser} {
		if err := s.CreateDeviceAuthorization(t.Context(), d); !errors.Is(err, storage.ErrExists) {
			t.Errorf("same %s: got %v, want ErrExists", name, err)
		}
	}
}

func testDeviceFindMissing(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	tests := []struct {
		name string
		hash string
		now  time.Duration
	}{
		{"Unknown", newDevice("b").UserCodeHash, time.Minute},
		{"DeviceCodeHash", d.DeviceCodeHash, time.Minute},
		{"AtExpiry", d.UserCodeHash, 10 * time.Minute},
		{"AfterExpiry", d.UserCodeHash, time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.DeviceAuthorizationByUserCode(t.Context(), tc.hash, at(tc.now))
			if !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func testDeviceApprove(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	got, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(time.Minute))
	if err != nil {
		t.Fatalf("DecideDeviceAuthorization: %v", err)
	}
	want := d.Clone()
	want.Apply(approval("alice"))
	deviceDiff(got, want).report(t, "approved authorization")
	if _, err := s.DeviceAuthorizationByUserCode(t.Context(), d.UserCodeHash, at(time.Minute)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("finding a decided authorization: got %v, want ErrNotFound", err)
	}
	polled, out := poll(t, s, d, 2*time.Minute)
	if out != storage.PollApproved {
		t.Fatalf("poll: got outcome %d, want PollApproved", out)
	}
	want.Status, want.LastPoll = storage.DeviceUsed, at(2*time.Minute)
	deviceDiff(polled, want).report(t, "polled authorization")
}

func testDeviceDeny(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	got, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, &storage.DeviceDecision{Subject: "ignored"}, at(time.Minute))
	if err != nil {
		t.Fatalf("DecideDeviceAuthorization: %v", err)
	}
	if got.Status != storage.DeviceDenied || got.Subject != "" {
		t.Errorf("got status %q subject %q, want denied and no subject", got.Status, got.Subject)
	}
	for _, now := range []time.Duration{2 * time.Minute, 3 * time.Minute} {
		if _, out := poll(t, s, d, now); out != storage.PollDenied {
			t.Errorf("poll at %v: got outcome %d, want PollDenied", now, out)
		}
	}
}

func testDeviceDecideOnce(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	if _, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(time.Minute)); err != nil {
		t.Fatalf("first decision: %v", err)
	}
	_, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("mallory"), at(time.Minute))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second decision: got %v, want ErrNotFound", err)
	}
	if got, _ := poll(t, s, d, 2*time.Minute); got.Subject != "alice" {
		t.Errorf("subject: got %q, want the first decision's %q", got.Subject, "alice")
	}
}

func testDeviceDecideExpired(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	_, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(10*time.Minute))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func testDevicePollPending(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	for _, now := range []time.Duration{time.Second, time.Second + deviceInterval, time.Minute} {
		got, out := poll(t, s, d, now)
		if out != storage.PollPending || !sameTime(got.LastPoll, at(now)) || got.Interval != deviceInterval {
			t.Errorf("poll at %v: got outcome %d, last poll %v, interval %v; want PollPending, %v, %v",
				now, out, got.LastPoll, got.Interval, at(now), deviceInterval)
		}
	}
}

// testDevicePollSlowDown checks that each early poll grows the interval
// by five seconds, and that the grown interval is the one kept.
func testDevicePollSlowDown(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	steps := []struct {
		now      time.Duration
		out      storage.DevicePoll
		interval time.Duration
	}{
		{0, storage.PollPending, 5 * time.Second},
		{time.Second, storage.PollSlowDown, 10 * time.Second},
		{2 * time.Second, storage.PollSlowDown, 15 * time.Second},
		{12 * time.Second, storage.PollSlowDown, 20 * time.Second},
		{32 * time.Second, storage.PollPending, 20 * time.Second},
	}
	for _, st := range steps {
		got, out := poll(t, s, d, st.now)
		if out != st.out || got.Interval != st.interval {
			t.Errorf("poll at %v: got outcome %d interval %v, want %d %v", st.now, out, got.Interval, st.out, st.interval)
		}
	}
}

func testDevicePollOtherClient(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	if _, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(time.Second)); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, "client-b", at(time.Minute))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("another client: got %v, want ErrNotFound", err)
	}
	_, _, err = s.PollDeviceAuthorization(t.Context(), newDevice("b").DeviceCodeHash, d.ClientID, at(time.Minute))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown device code: got %v, want ErrNotFound", err)
	}
	if _, out := poll(t, s, d, time.Minute); out != storage.PollApproved {
		t.Errorf("own client after another's try: got outcome %d, want PollApproved", out)
	}
}

func testDevicePollExpired(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	if _, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, out := poll(t, s, d, 10*time.Minute); out != storage.PollExpired {
		t.Errorf("at expiry: got outcome %d, want PollExpired", out)
	}
}

func testDevicePollApprovedOnce(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	if _, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, out := poll(t, s, d, time.Minute); out != storage.PollApproved {
		t.Fatalf("first poll: got outcome %d, want PollApproved", out)
	}
	if _, out := poll(t, s, d, 2*time.Minute); out != storage.PollUsed {
		t.Errorf("second poll: got outcome %d, want PollUsed", out)
	}
}

// errLostPoll marks a contender whose poll did not get the approval.
var errLostPoll = errors.New("poll found the authorization used")

func testDevicePollConcurrent(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	if _, err := s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval("alice"), at(time.Second)); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, contenders)
	race(func(i int) {
		_, out, err := s.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, d.ClientID, at(time.Minute))
		switch {
		case err != nil:
			errs[i] = err
		case out == storage.PollUsed:
			errs[i] = errLostPoll
		case out != storage.PollApproved:
			errs[i] = fmt.Errorf("outcome %d", out)
		}
	})
	tally(t, errs, errLostPoll)
}

func testDeviceDecideConcurrent(t *testing.T, s storage.DeviceStore) {
	d := newDevice("a")
	createDevice(t, s, d)
	errs := make([]error, contenders)
	race(func(i int) {
		_, errs[i] = s.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, approval(fmt.Sprint("user-", i)), at(time.Second))
	})
	winner := tally(t, errs, storage.ErrNotFound)
	if got, _ := poll(t, s, d, time.Minute); got.Subject != fmt.Sprint("user-", winner) {
		t.Errorf("subject: got %q, want the winner's %q", got.Subject, fmt.Sprint("user-", winner))
	}
}

// testDevicePurge checks that Purge removes the authorizations expired
// before the given time and keeps the others, in a store that is a
// Purger.
func testDevicePurge(t *testing.T, s storage.DeviceStore) {
	p, ok := s.(storage.Purger)
	if !ok {
		return // nothing to check: the store expires authorizations itself
	}
	old, live := newDevice("old"), newDevice("live")
	live.ExpiresAt = at(time.Hour)
	createDevice(t, s, old)
	createDevice(t, s, live)
	n, err := p.Purge(t.Context(), at(11*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Purge: got (%d, %v), want (1, nil)", n, err)
	}
	if _, err := s.DeviceAuthorizationByUserCode(t.Context(), live.UserCodeHash, at(time.Minute)); err != nil {
		t.Errorf("live authorization after purge: got %v, want it kept", err)
	}
	if err := s.CreateDeviceAuthorization(t.Context(), newDevice("old")); err != nil {
		t.Errorf("creating the purged authorization again: got %v, want nil (it is gone)", err)
	}
}
