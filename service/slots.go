package service

// Decision slots: a decision is made holding one, at one instant, on one
// set of documents, within the decision timeout.

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errBusy: the body budget or the decision slots stayed full for the
// queue timeout. errBudgetFull and errSlotsFull say which.
var (
	errBusy           = errors.New("busy")
	errBudgetFull     = fmt.Errorf("%w: the request-body budget is full", errBusy)
	errSlotsFull      = fmt.Errorf("%w: every decision slot is taken", errBusy)
	errHeavyLanesFull = fmt.Errorf("%w: every heavy lane is taken", errBusy)
)

// errClientClosed: the request was cancelled, its client gone, before a
// decision was made; none is.
var errClientClosed = errors.New("the client went away")

// decided is a decision made in a slot, with what it was made on.
type decided struct {
	made    *made
	out     []byte
	snap    *snapshot
	now     time.Time
	elapsed time.Duration
}

// decideInSlot decodes and decides body holding a decision slot, which it
// gives back however deciding ends, panics included.
func (s *Service) decideInSlot(ctx context.Context, d decider, body []byte) (res decided, err error) {
	take := func(slots chan struct{}, full error) error {
		if s.wait(ctx, func(ctx context.Context) error {
			select {
			case slots <- struct{}{}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}) {
			return nil
		}
		if ctx.Err() != nil {
			return errClientClosed
		}
		return full
	}
	// A heavy body takes a heavy lane first, so that a few of them never
	// hold every decision slot: light requests keep the rest.
	if len(body) > heavyBodyBytes {
		if err := take(s.heavyLanes, errHeavyLanesFull); err != nil {
			return res, err
		}
		defer func() { <-s.heavyLanes }()
	}
	if err := take(s.slots, errSlotsFull); err != nil {
		return res, err
	}
	defer func() { <-s.slots }()
	if ctx.Err() != nil {
		return res, errClientClosed // a slot and a cancelled request were both ready
	}
	if s.testHookDecide != nil {
		s.testHookDecide()
	}
	start := time.Now()
	res.now = s.clock()
	res.snap = s.store.current.Load()
	if res.now.Unix() < 0 {
		return res, errClockBeforeEpoch
	}
	dctx, cancel := context.WithTimeoutCause(ctx, s.opts.DecisionTimeout, errDecisionTimeout)
	defer cancel()
	if res.made, err = d.decide(dctx, body, res.snap, uint64(res.now.Unix())); err != nil {
		switch {
		case errors.Is(context.Cause(dctx), errDecisionTimeout):
			return res, errDecisionTimeout
		case ctx.Err() != nil:
			return res, errClientClosed
		}
		return res, err
	}
	res.out, err = res.made.result.Marshal()
	res.elapsed = time.Since(start)
	if err != nil {
		// Never happens with teegate's types; if it did, no decision is
		// delivered, so none can admit.
		return res, withCause(errUnserialisable, err)
	}
	return res, nil
}

var errClockBeforeEpoch = errors.New("the clock reads before 1970")

// errDecisionTimeout: the decision took longer than DecisionTimeout and
// was abandoned; none is given.
var errDecisionTimeout = errors.New("the decision took too long")

// heavyBodyBytes is the body size past which a request is heavy: about
// 180 signers of a gate session (a 100-signer session is about 110 KB).
// Heavy requests take a heavy lane as well as a decision slot.
const heavyBodyBytes = 256 << 10

// wait runs acquire with the queue timeout and the request's context,
// reporting whether it succeeded.
func (s *Service) wait(ctx context.Context, acquire func(context.Context) error) bool {
	ctx, cancel := context.WithTimeout(ctx, s.opts.QueueTimeout)
	defer cancel()
	return acquire(ctx) == nil
}
