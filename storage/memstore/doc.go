// Package memstore is the in-memory backend of package storage: the
// reference implementation of its contract and the store to use in tests
// and single-process development servers.
//
// A [Store] keeps clients, authorization codes and tokens in maps guarded by
// one read-write lock. Records are deep-copied when they are stored and when
// they are returned, so no caller can change what the store holds except
// through its methods. Every operation completes without blocking on I/O,
// so the context arguments are accepted for the interfaces' sake and never
// consulted. Tokens are kept compactly, in records without pointers that
// the garbage collector never scans (about half a kilobyte of memory per
// token in all): a store of millions of tokens costs little memory and no
// collector time. Nothing survives the process: use package sqlstore or
// redisstore when the data must outlive it or be shared between processes.
package memstore
