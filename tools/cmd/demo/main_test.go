package main

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestBindFailure: an -addr that cannot be bound is an error that says so
// (the demo used to fall back to a random port without a word).
func TestBindFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(ln.Addr().String(), "127.0.0.1", true, false)
	if err == nil || !strings.Contains(err.Error(), "cannot serve the page on -addr "+ln.Addr().String()) {
		t.Errorf("run on a taken port: %v", err)
	}
	if err := run("127.0.0.1:0", "localhost", true, false); err == nil || !strings.Contains(err.Error(), "bad -host") {
		t.Errorf("run with a host name: %v", err)
	}
}

// TestPageURLs: a wildcard bind prints one URL per -host address.
func TestPageURLs(t *testing.T) {
	hosts := []netip.Addr{netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("127.0.0.1")}
	if got, want := pageURLs(netip.MustParseAddrPort("0.0.0.0:8080"), hosts), []string{"http://192.168.1.20:8080/", "http://127.0.0.1:8080/"}; !slices.Equal(got, want) {
		t.Errorf("wildcard: %v, want %v", got, want)
	}
	if got, want := pageURLs(netip.MustParseAddrPort("127.0.0.1:8080"), hosts), []string{"http://127.0.0.1:8080/"}; !slices.Equal(got, want) {
		t.Errorf("bound: %v, want %v", got, want)
	}
}
