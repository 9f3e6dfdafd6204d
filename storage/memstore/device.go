package memstore

import (
	"context"
	"errors"
	"time"

	"github.com/grantry/grantry/storage"
)

var _ storage.DeviceStore = (*Store)(nil)

// devices holds the device authorizations by both of their hashes.
type devices struct {
	byDevice map[string]*storage.DeviceAuthorization
	byUser   map[string]*storage.DeviceAuthorization
}

// CreateDeviceAuthorization stores a copy of d, or returns
// storage.ErrExists when an authorization with its device or user code
// hash is stored already.
func (s *Store) CreateDeviceAuthorization(_ context.Context, d *storage.DeviceAuthorization) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.devices.byDevice == nil {
		s.devices = devices{byDevice: map[string]*storage.DeviceAuthorization{}, byUser: map[string]*storage.DeviceAuthorization{}}
	}
	if _, ok := s.devices.byDevice[d.DeviceCodeHash]; ok {
		return storage.ErrExists
	}
	if _, ok := s.devices.byUser[d.UserCodeHash]; ok {
		return storage.ErrExists
	}
	c := d.Clone()
	s.devices.byDevice[c.DeviceCodeHash] = c
	s.devices.byUser[c.UserCodeHash] = c
	return nil
}

// DeviceAuthorizationByUserCode returns a copy of the pending, unexpired
// authorization of the user code hash, or storage.ErrNotFound.
func (s *Store) DeviceAuthorizationByUserCode(_ context.Context, hash string, now time.Time) (*storage.DeviceAuthorization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.devices.byUser[hash]
	if !ok || d.Status != storage.DevicePending || d.Expired(now) {
		return nil, storage.ErrNotFound
	}
	return d.Clone(), nil
}

// DecideDeviceAuthorization applies dec to the pending, unexpired
// authorization of the user code hash, or returns storage.ErrNotFound.
func (s *Store) DecideDeviceAuthorization(_ context.Context, hash string, dec *storage.DeviceDecision, now time.Time) (*storage.DeviceAuthorization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices.byUser[hash]
	if !ok || d.Status != storage.DevicePending || d.Expired(now) {
		return nil, storage.ErrNotFound
	}
	d.Apply(dec)
	return d.Clone(), nil
}

// PollDeviceAuthorization applies a poll at now to the authorization of
// the device code hash, if it is clientID's, or returns
// storage.ErrNotFound.
func (s *Store) PollDeviceAuthorization(_ context.Context, hash, clientID string, now time.Time) (*storage.DeviceAuthorization, storage.DevicePoll, error) {
	if now.IsZero() {
		return nil, 0, errors.New("memstore: PollDeviceAuthorization: zero time")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices.byDevice[hash]
	if !ok || d.ClientID != clientID {
		return nil, 0, storage.ErrNotFound
	}
	out := d.Poll(now)
	return d.Clone(), out, nil
}

// purgeDevices removes the authorizations expired before the given time;
// the caller holds the lock.
func (s *Store) purgeDevices(before time.Time) int {
	n := 0
	for hash, d := range s.devices.byDevice {
		if d.ExpiresAt.Before(before) {
			delete(s.devices.byDevice, hash)
			delete(s.devices.byUser, d.UserCodeHash)
			n++
		}
	}
	return n
}

// dropDevices removes the authorizations for which drop reports true:
// those of a deleted client or user, whose approval must not be redeemed.
// The caller holds the lock.
func (s *Store) dropDevices(drop func(*storage.DeviceAuthorization) bool) {
	for hash, d := range s.devices.byDevice {
		if drop(d) {
			delete(s.devices.byDevice, hash)
			delete(s.devices.byUser, d.UserCodeHash)
		}
	}
}
