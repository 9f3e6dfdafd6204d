package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// The cascade of DeleteUser and DeleteClient is checked on the records the
// store under test keeps: its tokens when it is a storage.TokenStore, its
// codes when it is a storage.CodeStore, its consents when it implements
// Consents, its sessions when it is a storage.SessionStore, its device
// authorizations when it is a storage.DeviceStore. A backend that
// keeps clients only, run with RunClients, is checked for the deletion of
// the client alone.

// leftovers are records naming one user or client (mine) and records
// naming another (theirs), as they were stored.
type leftovers struct {
	tokens   storage.TokenStore
	codes    storage.CodeStore
	consents Consents
	sessions storage.SessionStore
	devices  storage.DeviceStore

	// myDevice and theirDevice are approved device authorizations.
	myDevice, theirDevice     *storage.DeviceAuthorization
	myTokens, theirTokens     []*storage.Token
	myCodes, theirCodes       []*storage.AuthorizationCode
	myConsents, theirConsents []*storage.Consent
	// mySession names the owner in its Subject (a user) or in its
	// Clients (a client); theirSession names the other.
	mySession, theirSession *storage.Session
	// myFamilies are the families of the tokens and codes of mine.
	myFamilies []string
}

// owns makes a record name the owner id: in its ClientID for a client
// (asClient), in its Subject for a user (asUser).
type owns func(clientID, subject *string, id string)

func asClient(clientID, _ *string, id string) { *clientID = id }
func asUser(_, subject *string, id string)    { *subject = id }

// storeLeftovers stores, in every aggregate s keeps besides users and
// clients, records of mine (named id) and of theirs (named other).
func storeLeftovers(t *testing.T, s any, set owns, id, other string) *leftovers {
	t.Helper()
	l := &leftovers{}
	l.tokens, _ = s.(storage.TokenStore)
	l.codes, _ = s.(storage.CodeStore)
	l.consents, _ = s.(Consents)
	l.sessions, _ = s.(storage.SessionStore)
	l.devices, _ = s.(storage.DeviceStore)
	if l.tokens != nil {
		withFamily, bare, theirs := newToken("mine-1", "family-mine-1"), accessOnly("mine-2"), newToken("theirs", "family-theirs")
		set(&withFamily.ClientID, &withFamily.Subject, id)
		set(&bare.ClientID, &bare.Subject, id)
		set(&theirs.ClientID, &theirs.Subject, other)
		l.myTokens, l.theirTokens = []*storage.Token{withFamily, bare}, []*storage.Token{theirs}
		l.myFamilies = append(l.myFamilies, withFamily.FamilyID)
		for _, tok := range append(l.myTokens, theirs) {
			mustCreateToken(t, l.tokens, tok)
		}
	}
	if l.codes != nil {
		unused, spent, theirs := newCode("mine-1"), newCode("mine-2"), newCode("theirs")
		set(&unused.ClientID, &unused.Subject, id)
		set(&spent.ClientID, &spent.Subject, id)
		set(&theirs.ClientID, &theirs.Subject, other)
		l.myCodes, l.theirCodes = []*storage.AuthorizationCode{unused, spent}, []*storage.AuthorizationCode{theirs}
		l.myFamilies = append(l.myFamilies, unused.FamilyID, spent.FamilyID)
		for _, c := range append(l.myCodes, theirs) {
			mustCreateCode(t, l.codes, c)
		}
		*spent = *mustConsume(t, l.codes, spent, at(time.Minute))
	}
	l.saveConsents(t, set, id, other)
	l.createSessions(t, set, id, other)
	l.createDevices(t, set, id, other)
	return l
}

// createDevices stores an approved device authorization of mine and one
// of theirs, when the store keeps them.
func (l *leftovers) createDevices(t *testing.T, set owns, id, other string) {
	t.Helper()
	if l.devices == nil {
		return
	}
	for _, who := range []string{id, other} {
		d, subject := newDevice("owned-"+who), "peer-user"
		set(&d.ClientID, &subject, who)
		createDevice(t, l.devices, d)
		dec := approval(subject)
		if _, err := l.devices.DecideDeviceAuthorization(t.Context(), d.UserCodeHash, dec, at(time.Second)); err != nil {
			t.Fatalf("DecideDeviceAuthorization: %v", err)
		}
		if who == id {
			l.myDevice = d
		} else {
			l.theirDevice = d
		}
	}
}

// wantDevice checks what a poll of an approved device authorization
// finds: the approval, or nothing when the authorization is gone.
func (l *leftovers) wantDevice(t *testing.T, d *storage.DeviceAuthorization, gone bool) {
	t.Helper()
	if l.devices == nil {
		return
	}
	_, out, err := l.devices.PollDeviceAuthorization(t.Context(), d.DeviceCodeHash, d.ClientID, at(time.Minute))
	switch {
	case gone && !errors.Is(err, storage.ErrNotFound):
		t.Errorf("PollDeviceAuthorization(%s): got (%d, %v), want ErrNotFound", d.ClientID, out, err)
	case !gone && (err != nil || out != storage.PollApproved):
		t.Errorf("PollDeviceAuthorization(%s): got (%d, %v), want PollApproved", d.ClientID, out, err)
	}
}

// createSessions stores a session of mine and one of theirs, when the
// store keeps sessions.
func (l *leftovers) createSessions(t *testing.T, set owns, id, other string) {
	t.Helper()
	if l.sessions == nil {
		return
	}
	for i, who := range []string{id, other} {
		sess := newSession(fmt.Sprint("owned-", i), "peer-user", 0)
		client := "peer-client"
		set(&client, &sess.Subject, who)
		sess.Clients = []string{"peer-first", client, "peer-last"}
		mustCreateSession(t, l.sessions, sess)
		if who == id {
			l.mySession = sess
		} else {
			l.theirSession = sess
		}
	}
}

// wantSessionForgotten checks that the session of a deleted user is gone,
// and that a deleted client left the Clients of the session naming it.
func (l *leftovers) wantSessionForgotten(t *testing.T) {
	t.Helper()
	if l.sessions == nil {
		return
	}
	if l.mySession.Subject != "peer-user" {
		wantSessionGone(t, l.sessions, l.mySession)
		return
	}
	want := l.mySession.Clone()
	want.Clients = []string{"peer-first", "peer-last"}
	sessionDiff(mustSessionByHash(t, l.sessions, want.Hash), want).report(t, "SessionByHash of the session the client signed in to")
}

// wantSessionsKept checks that the sessions given are as they were.
func (l *leftovers) wantSessionsKept(t *testing.T, list ...*storage.Session) {
	t.Helper()
	if l.sessions == nil {
		return
	}
	for _, want := range list {
		sessionDiff(mustSessionByHash(t, l.sessions, want.Hash), want).report(t, "SessionByHash("+want.ID+")")
	}
}

// saveConsents saves two consents of mine and one of theirs, when the
// store keeps consents.
func (l *leftovers) saveConsents(t *testing.T, set owns, id, other string) {
	t.Helper()
	if l.consents == nil {
		return
	}
	for _, p := range []struct{ who, peer string }{{id, "peer-1"}, {id, "peer-2"}, {other, "peer-1"}} {
		c := &storage.Consent{ClientID: p.peer, Subject: p.peer, Scope: grantry.Scope{"openid"}, Claims: []string{"email"}, CreatedAt: base}
		set(&c.ClientID, &c.Subject, p.who)
		if err := l.consents.SaveConsent(t.Context(), c); err != nil {
			t.Fatalf("SaveConsent(%q, %q): got error %v, want nil", c.Subject, c.ClientID, err)
		}
		if p.who == id {
			l.myConsents = append(l.myConsents, c)
		} else {
			l.theirConsents = append(l.theirConsents, c)
		}
	}
}

// wantForgotten checks that the records of mine are revoked or gone, and
// that a token stored later in one of their families is stored revoked,
// while the records of theirs are as they were.
func (l *leftovers) wantForgotten(t *testing.T) {
	t.Helper()
	l.wantTheirs(t)
	l.wantGrantsRevoked(t)
	if l.consents != nil {
		for _, c := range l.myConsents {
			if got, err := l.consents.GetConsent(t.Context(), c.Subject, c.ClientID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("GetConsent(%q, %q): got (%v, %v), want ErrNotFound", c.Subject, c.ClientID, got, err)
			}
		}
	}
	l.wantSessionForgotten(t)
}

// wantGrantsRevoked checks that my tokens are revoked, with their
// families, and my codes gone.
func (l *leftovers) wantGrantsRevoked(t *testing.T) {
	t.Helper()
	if l.tokens != nil {
		for _, tok := range l.myTokens {
			wantToken(t, l.tokens, revoked(tok))
		}
		for i, fam := range l.myFamilies {
			late := newToken(fmt.Sprint("late-", i), fam)
			mustCreateToken(t, l.tokens, late)
			wantToken(t, l.tokens, revoked(late))
		}
	}
	if l.codes != nil {
		for i, c := range l.myCodes {
			if got, err := l.codes.ConsumeAuthorizationCode(t.Context(), c.Hash, c.ClientID, at(2*time.Minute)); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("ConsumeAuthorizationCode(mine-%d): got (%v, %v), want ErrNotFound", i+1, got, err)
			}
		}
	}
	if l.myDevice != nil {
		l.wantDevice(t, l.myDevice, true)
	}
}

// wantKept checks that every record, of mine and of theirs, is as it was.
func (l *leftovers) wantKept(t *testing.T) {
	t.Helper()
	l.wantTheirs(t)
	if l.tokens != nil {
		for _, tok := range l.myTokens {
			wantToken(t, l.tokens, tok)
		}
	}
	if l.codes != nil {
		unused, spent := l.myCodes[0], l.myCodes[1]
		if got, err := l.codes.ConsumeAuthorizationCode(t.Context(), spent.Hash, spent.ClientID, at(2*time.Minute)); !errors.Is(err, storage.ErrCodeUsed) {
			t.Errorf("ConsumeAuthorizationCode of the used code: got (%v, %v), want ErrCodeUsed", got, err)
		}
		codeDiff(mustConsume(t, l.codes, unused, at(2*time.Minute)), used(unused, at(2*time.Minute))).report(t, "ConsumeAuthorizationCode(mine-1)")
	}
	l.wantConsents(t, l.myConsents)
	l.wantSessionsKept(t, l.mySession)
	if l.myDevice != nil {
		l.wantDevice(t, l.myDevice, false)
	}
}

// wantTheirs checks that the records of theirs are as they were, and that
// their families are not revoked.
func (l *leftovers) wantTheirs(t *testing.T) {
	t.Helper()
	if l.tokens != nil {
		for _, tok := range l.theirTokens {
			wantToken(t, l.tokens, tok)
		}
		late := newToken("late-theirs", l.theirTokens[0].FamilyID)
		mustCreateToken(t, l.tokens, late)
		wantToken(t, l.tokens, late)
	}
	if l.codes != nil {
		c := l.theirCodes[0]
		codeDiff(mustConsume(t, l.codes, c, at(2*time.Minute)), used(c, at(2*time.Minute))).report(t, "ConsumeAuthorizationCode(theirs)")
	}
	l.wantConsents(t, l.theirConsents)
	l.wantSessionsKept(t, l.theirSession)
	if l.theirDevice != nil {
		l.wantDevice(t, l.theirDevice, false)
	}
}

func (l *leftovers) wantConsents(t *testing.T, list []*storage.Consent) {
	t.Helper()
	if l.consents == nil {
		return
	}
	for _, want := range list {
		got, err := l.consents.GetConsent(t.Context(), want.Subject, want.ClientID)
		if err != nil {
			t.Errorf("GetConsent(%q, %q): got error %v, want nil", want.Subject, want.ClientID, err)
			continue
		}
		consentDiff(got, want).report(t, "GetConsent("+want.Subject+", "+want.ClientID+")")
	}
}
