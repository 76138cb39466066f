package service

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

// Document names one of the governed documents the service holds.
type Document string

const (
	DocRegistry           Document = "registry"
	DocKeyset             Document = "keyset"
	DocRevocationRegistry Document = "revocation_registry"
	// DocEvents is the governance audit log, which a policy 2 registry
	// needs (break-glass activations and their history); the service holds
	// it when it is given one.
	DocEvents Document = "events"
	// DocAttestPolicy is the attestation policy of the verifier role; the
	// service holds it only when that role is on.
	DocAttestPolicy Document = "attest_policy"
)

// documents lists them in the order they are loaded and reported.
var documents = [...]Document{DocRegistry, DocKeyset, DocRevocationRegistry, DocAttestPolicy, DocEvents}

// Paths name the files of the governed documents.
type Paths struct {
	Registry           string
	Keyset             string
	RevocationRegistry string
	// AttestPolicy is empty unless the verifier role is on.
	AttestPolicy string
	// Events is the governance audit log; empty for none, which a policy 2
	// registry refuses.
	Events string
}

func (p Paths) of(d Document) string {
	switch d {
	case DocRegistry:
		return p.Registry
	case DocKeyset:
		return p.Keyset
	case DocRevocationRegistry:
		return p.RevocationRegistry
	case DocAttestPolicy:
		return p.AttestPolicy
	case DocEvents:
		return p.Events
	}
	panic("unknown document " + d)
}

// held reports whether the service holds d: every document but the
// attestation policy, which only the verifier role needs, and the audit
// log, which only policy 2 needs.
func (p Paths) held(d Document) bool {
	switch d {
	case DocAttestPolicy:
		return p.AttestPolicy != ""
	case DocEvents:
		return p.Events != ""
	}
	return true
}

// DocumentInfo identifies the version of a governed document in force, for
// readiness reports, metrics and the decision log.
type DocumentInfo struct {
	Path string `json:"path"`
	// SHA256 is the digest of the file's bytes: the version that decisions
	// name, whatever the document says of itself.
	SHA256 string `json:"sha256"`
	// Generation counts the contents loaded since the service started,
	// from 1; it grows when the file's bytes change, not when it is only
	// touched.
	Generation   uint64 `json:"generation"`
	LoadedAtUnix int64  `json:"loaded_at_unix"`
}

// snapshot is one consistent set of governed documents and the gate built
// from them. It is never modified once published: a reload builds a new
// one and swaps the pointer, so a request sees one set from start to end.
type snapshot struct {
	registry   *governance.Registry
	keyset     *admission.Keyset
	revocation *admission.RevocationRegistry
	// attestPolicy is nil unless the verifier role is on.
	attestPolicy *attest.Policy
	// events is nil unless Paths.Events is set.
	events *governance.AuditLog
	gate   *gate.Gate
	info   [len(documents)]DocumentInfo
}

// label names the document in a refusal.
func (d Document) label() string {
	if d == DocEvents {
		return "the audit-event log"
	}
	return "the " + strings.ReplaceAll(string(d), "_", " ")
}

// document is the decoded document d of the snapshot (nil if not held).
func (s *snapshot) document(d Document) any {
	switch d {
	case DocRegistry:
		return s.registry
	case DocKeyset:
		return s.keyset
	case DocRevocationRegistry:
		return s.revocation
	case DocAttestPolicy:
		return s.attestPolicy
	case DocEvents:
		return s.events
	}
	panic("unknown document " + d)
}

func (s *snapshot) infoOf(d Document) DocumentInfo {
	for i, x := range documents {
		if x == d {
			return s.info[i]
		}
	}
	panic("unknown document " + d)
}

// sameFile reports whether fi describes the file as it was last read:
// the same file, size and modification time. A rewrite that keeps all
// three (cp -p, touch -r) is seen only by a forced reload.
func sameFile(last, fi os.FileInfo) bool {
	return last != nil && os.SameFile(last, fi) && last.Size() == fi.Size() && last.ModTime().Equal(fi.ModTime())
}

// ReloadError is why the last reload was refused. The documents in force
// before it stay in force.
type ReloadError struct {
	AtUnix  int64  `json:"at_unix"`
	Message string `json:"message"`
}

// store holds the snapshot in force and reloads it.
type store struct {
	paths    Paths
	verifier *admission.Verifier // shared by every snapshot's gate
	workers  int
	read     func(path string) ([]byte, error) // readDocument; tests replace it

	current atomic.Pointer[snapshot]
	lastErr atomic.Pointer[ReloadError] // nil when the last reload succeeded

	mu   sync.Mutex // serialises reloads and guards seen
	seen [len(documents)]os.FileInfo
}

// errRegistryRejected marks a registry that decodes but that layer A
// rejects: governance has not approved what it says.
var errRegistryRejected = errors.New("layer A rejects the registry")

// errNoAuditLog marks a policy 2 registry given to a service without an
// audit log: no break-glass grant could ever be in force, and the refusal
// says why rather than rejecting every waiver.
var errNoAuditLog = errors.New("the registry is policy_version 2, whose break-glass grants and history come from the governance audit log; start the service with --events")

// errRollback marks a document older than the one in force.
var errRollback = errors.New("older than the document in force")

// reload reads the governed documents and, if any changed and all of them
// load and validate, puts the new set in force. Unless force is set, or
// the last reload was refused, files whose size, modification time and
// identity are unchanged are not read again. A refused set is tried again
// on every call: what refused it may pass later (a read error, an
// activation gate not yet effective). It reports whether a new set was
// put in force.
func (st *store) reload(now time.Time, force bool) (changed bool, before *ReloadError, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	before = st.lastErr.Load()
	changed, err = st.reloadLocked(now, force)
	return changed, before, err
}

func (st *store) reloadLocked(now time.Time, force bool) (bool, error) {
	old := st.current.Load()
	var stats [len(documents)]os.FileInfo
	changed := old == nil || force || st.lastErr.Load() != nil
	for i, d := range documents {
		if !st.paths.held(d) {
			continue
		}
		fi, err := os.Stat(st.paths.of(d))
		if err != nil {
			return false, st.refuse(now, strictjson.ReadError(st.paths.of(d), err))
		}
		stats[i] = fi
		changed = changed || !sameFile(st.seen[i], fi)
	}
	if !changed {
		return false, nil
	}
	// Taken before reading: a write that lands after it changes the file
	// again, and the next poll reads it.
	st.seen = stats
	next, held, err := st.load(old, now)
	if err != nil {
		return false, st.refuse(now, err)
	}
	if held != nil {
		st.refuse(now, held) // reported, and retried; the rest goes ahead
	} else {
		st.lastErr.Store(nil)
	}
	if next == nil {
		return false, held // the same bytes as the set in force
	}
	st.current.Store(next)
	return true, held
}

func (st *store) refuse(now time.Time, err error) error {
	st.lastErr.Store(&ReloadError{AtUnix: now.Unix(), Message: err.Error()})
	return err
}

// heldApart reports whether a document that fails to load is refused
// alone, its last good version kept in force, rather than refusing the
// whole set: the attestation policy, which only the verifier role reads,
// and the audit log, an append-only history. A denylist update must never
// wait on either.
func heldApart(d Document) bool { return d == DocAttestPolicy || d == DocEvents }

// load reads and validates every document, reusing the decoded form of
// those whose bytes did not change. It returns nil when nothing changed.
//
// The attestation policy and the audit log are held apart (heldApart):
// once one is in force, a new one that fails to load is refused alone
// (held), and the gate's documents, the denylist above all, still come
// into force.
func (st *store) load(old *snapshot, now time.Time) (next *snapshot, held error, err error) {
	next = &snapshot{}
	if old != nil {
		*next = *old
	}
	changed, registryChanged := false, false
	var loaded [len(documents)]bool // decoded and checked in this reload
	for i, d := range documents {
		if !st.paths.held(d) {
			continue
		}
		path := st.paths.of(d)
		data, err := st.read(path)
		if err == nil {
			sum := sha256.Sum256(data)
			digest := hex.EncodeToString(sum[:])
			if old != nil && old.info[i].SHA256 == digest {
				continue
			}
			if err = next.decode(d, path, data, now); err == nil {
				err = notInFuture(d, path, next, now)
			}
			if err == nil && old != nil {
				err = notRolledBack(d, path, old, next)
			}
			if err == nil && d != DocRegistry {
				// The registry is first in documents: this is the one that
				// comes into force. Its decoding checked its own identifiers.
				err = next.registry.CheckIdentifiers(path, next.document(d))
			}
			if err == nil {
				changed, loaded[i] = true, true
				registryChanged = registryChanged || d == DocRegistry
				next.info[i] = DocumentInfo{Path: path, SHA256: digest, Generation: next.info[i].Generation + 1, LoadedAtUnix: now.Unix()}
				continue
			}
		}
		if heldApart(d) && old != nil { // in force: a first load refuses the set
			// Its last good version stays in force, and the rest go ahead.
			switch d {
			case DocAttestPolicy:
				next.attestPolicy = old.attestPolicy
			case DocEvents:
				next.events = old.events
			}
			held = errors.Join(held, err)
			continue
		}
		return nil, nil, err
	}
	if !changed {
		return nil, held, nil
	}
	if next.registry.Policy() == governance.Policy2 && next.events == nil {
		return nil, nil, fmt.Errorf("%s: %w", st.paths.Registry, errNoAuditLog)
	}
	// Under policy 2 every governed document's identifiers must match the
	// profile. A document loaded now was checked above, where one held
	// apart is refused alone; the documents in force are checked again only
	// under a new registry, which may be the first of policy 2.
	if registryChanged {
		for i, d := range documents {
			if i > 0 && !loaded[i] && st.paths.held(d) {
				if err := next.registry.CheckIdentifiers(st.paths.of(d), next.document(d)); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	next.gate = gate.New(next.registry, next.keyset, next.revocation, gate.Options{Workers: st.workers, Verifier: st.verifier,
		RejectStaleDenylist: true, AuditLog: next.events})
	return next, held, nil
}

// decode decodes one document into s and validates it. The registry is
// decoded with every member required, so that it serves every layer, and
// must pass layer A: a registry governance would reject is never put in
// force. The keyset and revocation registry are checked per token, by
// layer B, as the CLI checks them.
func (s *snapshot) decode(d Document, path string, data []byte, now time.Time) error {
	var err error
	switch d {
	case DocRegistry:
		var reg *governance.Registry
		if reg, err = governance.DecodeRegistry(path, data, governance.Requirement{}); err != nil {
			return err
		}
		if dec := governance.CheckRegistry(reg, nil, unixSeconds(now)); dec.Outcome == decision.Reject {
			return fmt.Errorf("%s: %w: %s", path, errRegistryRejected, dec)
		}
		s.registry = reg
	case DocKeyset:
		s.keyset, err = admission.DecodeKeyset(path, data)
	case DocRevocationRegistry:
		s.revocation, err = admission.DecodeRevocationRegistry(path, data)
	case DocAttestPolicy:
		s.attestPolicy, err = attest.DecodePolicy(path, data)
	case DocEvents:
		s.events, err = governance.DecodeAuditLog(path, data)
	}
	return err
}

// errFuture marks a denylist dated after now.
var errFuture = errors.New("not yet valid")

// notInFuture holds back a revocation registry dated after now. In force,
// it would make every session start fail (layers B and C refuse a
// denylist from the future) and, through the rollback check, refuse its
// own correction. Held back, it is retried at every poll and put in force
// once the clock reaches it, while the set before it stays in force: a
// verifier whose clock runs a second ahead delays its denylist by a
// second, and stops no session.
func notInFuture(d Document, path string, next *snapshot, now time.Time) error {
	if d != DocRevocationRegistry {
		return nil
	}
	if t := next.revocation.DenylistRefreshedAtUnix; t > unixSeconds(now) {
		return fmt.Errorf("%s: %w: denylist_refreshed_at_unix %d is after now (%d); it will be retried", path, errFuture, t, now.Unix())
	}
	return nil
}

// notRolledBack refuses a keyset or revocation registry older than the one
// in force: replaying an old file must not bring back a revoked key, an
// older denylist or a lower revocation epoch. The registry carries no
// version to compare. A deliberate rollback needs a restart.
func notRolledBack(d Document, path string, old, next *snapshot) error {
	switch d {
	case DocKeyset:
		if next.keyset.KeysetVersion < old.keyset.KeysetVersion {
			return fmt.Errorf("%s: %w: keyset_version %d is below %d", path, errRollback, next.keyset.KeysetVersion, old.keyset.KeysetVersion)
		}
	case DocEvents:
		// The log only grows: an older copy would drop a break_glass_expire
		// event and bring an ended waiver back.
		n, o := next.events.Events, old.events.Events
		if len(n) < len(o) {
			return fmt.Errorf("%s: %w: %d events, fewer than the %d in force", path, errRollback, len(n), len(o))
		}
		for i := range o {
			if !reflect.DeepEqual(n[i], o[i]) {
				return fmt.Errorf("%s: %w: event %d (%q) differs from the log in force; the log may only grow", path, errRollback, i, n[i].EventID)
			}
		}
	case DocRevocationRegistry:
		n, o := next.revocation, old.revocation
		if n.DenylistRefreshedAtUnix < o.DenylistRefreshedAtUnix {
			return fmt.Errorf("%s: %w: denylist_refreshed_at_unix %d is before %d", path, errRollback, n.DenylistRefreshedAtUnix, o.DenylistRefreshedAtUnix)
		}
		if n.MinTokenRevocationEpoch < o.MinTokenRevocationEpoch {
			return fmt.Errorf("%s: %w: min_token_revocation_epoch %d is below %d", path, errRollback, n.MinTokenRevocationEpoch, o.MinTokenRevocationEpoch)
		}
	}
	return nil
}

// readDocument reads a governed document's file, which must be a regular
// file. It is opened without blocking and refused if it is anything else:
// opening a FIFO waits for a writer for ever, and a device or a directory
// is no document. A regular file on a mount that stops answering can still
// block; Service.reload bounds that.
func readDocument(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, strictjson.ReadError(path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, strictjson.ReadError(path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &strictjson.Error{Op: strictjson.OpRead, File: path, Offset: -1,
			Msg: fmt.Sprintf("not a regular file (%s); a governed document must be one", describeMode(fi.Mode()))}
	}
	data, err := io.ReadAll(io.LimitReader(f, strictjson.MaxInputBytes+1))
	if err != nil {
		return nil, strictjson.ReadError(path, err)
	}
	if len(data) > strictjson.MaxInputBytes {
		return nil, &strictjson.Error{Op: strictjson.OpRead, File: path, Offset: -1, Err: strictjson.ErrTooLarge,
			Msg: fmt.Sprintf("file is larger than the %d-byte input limit", strictjson.MaxInputBytes)}
	}
	return data, nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return m.Type().String()
}

// denylistFreshness is the freshness of the denylist in force at now.
func (s *snapshot) denylistFreshness(now uint64) governance.DenylistStatus {
	return governance.DenylistFreshness(s.revocation.DenylistRefreshedAtUnix, &s.registry.Enforcement, now)
}

// unixSeconds is now as readiness and metrics take it; a clock before
// 1970 reads as 0. Decisions are never made on such a clock.
func unixSeconds(now time.Time) uint64 {
	if s := now.Unix(); s > 0 {
		return uint64(s)
	}
	return 0
}
