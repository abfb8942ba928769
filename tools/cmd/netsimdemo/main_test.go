package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDemo runs the demo as the README does, small, and writes a pcap.
func TestDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo.pcap")
	if err := run(1, 30, 100, 0.3, 25*time.Millisecond, 5*time.Millisecond, 2, out); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() < 24 {
		t.Fatalf("pcap: %v", err)
	}
}
