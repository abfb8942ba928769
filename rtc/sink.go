package rtc

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// sink is where the parts put what the application must see: events,
// received messages, counters, and errors recorded while no caller was
// listening. The PeerConnection owns it and hands it to the parts it
// calls; a part writes into it and never calls the PeerConnection, so
// calls go downward only.
type sink struct {
	events     shared.Queue[Event]
	reads      shared.Queue[Message]
	stats      Stats
	pendingErr error
}

// emit queues an event. A full queue loses the event, but never silently:
// the loss is counted and reported by the next Handle* (shared.ErrQueueFull).
func (s *sink) emit(e Event) {
	if err := s.events.Push(e); err != nil {
		s.stats.Dropped++
		s.pendingErr = errors.Join(s.pendingErr, fmt.Errorf("rtc: event queue full, lost %v: %w", e.Kind, err))
	}
}

// emitError reports a layer's error as an EventError; nil is ignored.
func (s *sink) emitError(layer string, err error) {
	if err == nil {
		return
	}
	var le *LayerError
	if !errors.As(err, &le) {
		err = layerErr(layer, err)
	}
	s.emit(Event{Kind: EventError, Err: err})
}

// takeErr returns and clears the errors recorded since the last call.
func (s *sink) takeErr() error {
	err := s.pendingErr
	s.pendingErr = nil
	return err
}
