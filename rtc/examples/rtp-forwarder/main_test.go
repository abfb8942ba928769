package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

// TestForwardToUDP runs the command on 127.0.0.1, sends it VP8 and Opus
// with play-from-disk's code, and listens on the two UDP ports: the
// packets carry the configured payload types, and rebuilt into frames
// (rtc-media's jitter buffer) they are exactly the frames sent.
func TestForwardToUDP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	var lns [2]*net.UDPConn
	for i := range lns {
		ln, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		lns[i] = ln
	}
	sdpPath := filepath.Join(t.TempDir(), "forward.sdp")
	o := options{addr: "127.0.0.1:0", dest: "127.0.0.1", videoPT: 100, audioPT: 101, videoCodec: "VP8", pli: 100 * time.Millisecond, sdp: sdpPath,
		videoPort: lns[0].LocalAddr().(*net.UDPAddr).Port, audioPort: lns[1].LocalAddr().(*net.UDPAddr).Port}
	var f cli.Flags
	f.Register(flag.NewFlagSet("fwd", flag.ContinueOnError))
	pr, pw := io.Pipe()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, &f, quiet, o, pw) }()
	lines := bufio.NewReader(pr)
	line, err := lines.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	printed := make(chan []string, 1)
	go func() {
		var got []string
		for {
			l, err := lines.ReadString('\n')
			if err != nil {
				printed <- got
				return
			}
			got = append(got, strings.TrimSpace(l))
		}
	}()

	// Receive: one goroutine per port, until the test closes the sockets.
	type result struct {
		saver *mediafile.Saver
		out   *bytes.Buffer
		pts   map[uint8]int
		err   error
	}
	results := make(chan result, 2)
	for i, codec := range []rtc.Codec{mediafile.VP8, mediafile.Opus} {
		go func() {
			r := result{out: &bytes.Buffer{}, pts: map[uint8]int{}}
			if r.saver, r.err = mediafile.NewSaver(codec, r.out); r.err != nil {
				results <- r
				return
			}
			buf := make([]byte, 1500)
			for {
				n, err := lns[i].Read(buf)
				if errors.Is(err, net.ErrClosed) {
					r.err = r.saver.Close()
					results <- r
					return
				}
				if err != nil {
					r.err = err
					results <- r
					return
				}
				r.pts[buf[1]&0x7f]++
				if err := r.saver.HandleRTP(time.Now(), buf[:n]); err != nil {
					r.err = err
				}
			}
		}()
	}

	var vbuf, abuf bytes.Buffer
	video, err := mediafile.SynthVP8(&vbuf, 30, 7)
	if err != nil {
		t.Fatal(err)
	}
	audio, err := mediafile.SynthOpus(&abuf, 40, 8)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := mediafile.Open("v.ivf", &vbuf, 30)
	if err != nil {
		t.Fatal(err)
	}
	as, err := mediafile.Open("a.ogg", &abuf, 30)
	if err != nil {
		t.Fatal(err)
	}
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	if _, _, err := mediafile.Play(ctx, d, rtc.Configuration{}, quiet, base, []*mediafile.Source{vs, as}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the last packets cross the loopback
	for _, ln := range lns {
		if err := ln.Close(); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	got := <-printed
	slices.Sort(got)
	want := []string{"forwarding audio opus/48000 to " + lns[1].LocalAddr().String(), "forwarding video VP8/90000 to " + lns[0].LocalAddr().String()}
	if !slices.Equal(got, want) {
		t.Errorf("printed %q, want %q", got, want)
	}
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		sent, ext, pt := video, ".ivf", uint8(100)
		if _, ok := r.pts[101]; ok {
			sent, ext, pt = audio, ".ogg", 101
		}
		if len(r.pts) != 1 || r.pts[pt] == 0 {
			t.Errorf("%s: payload types %v, want only %d", ext, r.pts, pt)
		}
		src, err := mediafile.Open("x"+ext, r.out, 30)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for ; ; n++ {
			fr, _, err := src.Next()
			if err != nil {
				break
			}
			if n < len(sent) && !bytes.Equal(fr, sent[n]) {
				t.Errorf("%s frame %d differs", ext, n)
			}
		}
		if n != len(sent) {
			t.Errorf("%s: %d frames forwarded, %d sent; %d packets; jitter buffer %+v", ext, n, len(sent), r.pts[pt], r.saver.Stats())
		}
	}
	sdp, err := os.ReadFile(sdpPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sdp), "a=rtpmap:100 VP8/90000") || !strings.Contains(string(sdp), "a=rtpmap:101 opus/48000/2") {
		t.Errorf("SDP file:\n%s", sdp)
	}
}

// TestForwardToGStreamer sends a VP8 file GStreamer encoded through the
// forwarder to a GStreamer pipeline on 127.0.0.1 (udpsrc, rtpvp8depay,
// vp8dec), which decodes the frames (skipped without gst-launch-1.0 or
// an element).
func TestForwardToGStreamer(t *testing.T) {
	gst, err := exec.LookPath("gst-launch-1.0")
	if err != nil {
		t.Skip("gst-launch-1.0 is not installed")
	}
	for _, el := range []string{"vp8enc", "avmux_ivf", "udpsrc", "rtpvp8depay", "vp8dec"} {
		if exec.Command("gst-inspect-1.0", el).Run() != nil {
			t.Skipf("GStreamer element %s is missing", el)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	ivf := filepath.Join(t.TempDir(), "in.ivf")
	enc := "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 keyframe-max-dist=10 ! avmux_ivf ! filesink location=" + ivf
	if out, err := exec.Command(gst, append([]string{"-q"}, strings.Fields(enc)...)...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// GStreamer's receiver on a free port (startReceiver tries another one
	// if a different process takes the port before udpsrc binds it).
	recv := startReceiver(ctx, t, gst)
	defer recv.kill(t)
	gstOut, port := recv.out, recv.port

	o := options{addr: "127.0.0.1:0", dest: "127.0.0.1", videoPT: 96, audioPT: 111, videoCodec: "VP8", pli: time.Second, videoPort: port}
	var f cli.Flags
	f.Register(flag.NewFlagSet("fwd", flag.ContinueOnError))
	pr, pw := io.Pipe()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, &f, quiet, o, pw) }()
	lines := bufio.NewReader(pr)
	line, err := lines.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // the "forwarding" line
	base := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")
	fh, err := os.Open(ivf)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	src, err := mediafile.Open(ivf, fh, 30)
	if err != nil {
		t.Fatal(err)
	}
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	nv, _, err := mediafile.Play(ctx, d, rtc.Configuration{}, quiet, base, []*mediafile.Source{src})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)                            // GStreamer decodes the last frames
	if err := recv.cmd.Process.Signal(os.Interrupt); err != nil { // -e: EOS, then exit
		t.Fatal(err)
	}
	if err := recv.wait(); err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, gstOut.String())
	}
	// fakesink's chain lines: one decoded 320x240 I420 picture each.
	decoded := strings.Count(gstOut.String(), "(fakesink0:sink) (115200 bytes")
	if decoded < nv-1 {
		t.Errorf("GStreamer decoded %d frames of the %d sent:\n%s", decoded, nv, gstOut.String())
	}
	t.Logf("GStreamer decoded %d of %d frames", decoded, nv)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// receiver is gst-launch-1.0 receiving RTP with udpsrc.
type receiver struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer // read it only after wait returned
	port int
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
}

func (r *receiver) wait() error { <-r.done; return r.err }

// kill ends the process if it still runs.
func (r *receiver) kill(t *testing.T) {
	select {
	case <-r.done:
		return
	default:
	}
	if err := r.cmd.Process.Kill(); err != nil {
		t.Error(err)
	}
	if r.wait() == nil {
		t.Error("killed gst-launch-1.0 exited 0")
	}
}

// startReceiver starts gst-launch-1.0 with udpsrc on a free loopback port
// and returns once udpsrc holds the port. The port is found by binding and
// releasing it, so another process may take it before udpsrc does (a CI
// run saw "Address already in use" and waited 40 s for a udpsrc that had
// exited); udpsrc then exits, and this tries again with another port, up
// to 3 times.
func startReceiver(ctx context.Context, t *testing.T, gst string) *receiver {
	t.Helper()
	for attempt := 1; ; attempt++ {
		probe, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
		if err != nil {
			t.Fatal(err)
		}
		r := &receiver{out: new(bytes.Buffer), port: probe.LocalAddr().(*net.UDPAddr).Port, done: make(chan struct{})}
		if err := probe.Close(); err != nil {
			t.Fatal(err)
		}
		r.cmd = exec.Command(gst, "-e", "-v", "udpsrc", "address=127.0.0.1", "port="+strconv.Itoa(r.port),
			"caps=application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96",
			"!", "rtpvp8depay", "!", "vp8dec", "!", "fakesink", "silent=false")
		r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { r.err = r.cmd.Wait(); close(r.done) }()
		if r.bound(ctx, t) {
			return r
		}
		if attempt == 3 {
			t.Fatalf("udpsrc did not start in 3 attempts; the last, on port %d: %v\n%s", r.port, r.err, r.out)
		}
		t.Logf("udpsrc on port %d exited (%v), trying another port:\n%s", r.port, r.err, r.out)
	}
}

// bound waits until udpsrc holds its port (true) or has exited (false).
func (r *receiver) bound(ctx context.Context, t *testing.T) bool {
	for {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(r.port))))
		if err != nil {
			return true // udpsrc holds it
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-r.done:
			return false
		case <-ctx.Done():
			r.kill(t)
			t.Fatalf("udpsrc never bound port %d:\n%s", r.port, r.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
