package shared

import (
	"errors"
	"testing"
	"time"
)

func TestOrDefault(t *testing.T) {
	if OrDefault(0, 7) != 7 || OrDefault(3, 7) != 3 || OrDefault(-1, 7) != -1 {
		t.Error("OrDefault on ints")
	}
	if OrDefault(time.Duration(0), time.Second) != time.Second || OrDefault("", "x") != "x" {
		t.Error("OrDefault on durations or strings")
	}
}

func TestCheckMin(t *testing.T) {
	for _, v := range []int{0, 256, 1 << 20} {
		if err := CheckMin("sctp", "MTU", v, 256); err != nil {
			t.Errorf("CheckMin(%d): %v", v, err)
		}
	}
	err := CheckMin("sctp", "MTU", 100, 256)
	var ce *ConfigError
	if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != "MTU" {
		t.Fatalf("CheckMin(100): %v", err)
	}
	const want = "sctp: invalid config: MTU is 100, want at least 256 (or zero for the default)"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if err := CheckMin("ice", "Ta", -time.Millisecond, 1); err == nil || err.Error() !=
		"ice: invalid config: Ta is -1ms, want at least 1ns (or zero for the default)" {
		t.Errorf("CheckMin(-1ms): %v", err)
	}
}

func TestCheckRange(t *testing.T) {
	for _, v := range []int{0, 1, 64, 100} {
		if err := CheckRange("media", "MaxPackets", v, 1, 100); err != nil {
			t.Errorf("CheckRange(%d): %v", v, err)
		}
	}
	for _, v := range []int{-1, 101} {
		if err := CheckRange("media", "MaxPackets", v, 1, 100); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("CheckRange(%d): %v", v, err)
		}
	}
	err := CheckRange("sctp", "DelayedAckTimeout", time.Second, 1, 500*time.Millisecond)
	const want = "sctp: invalid config: DelayedAckTimeout is 1s, want between 1ns and 500ms (or zero for the default)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
