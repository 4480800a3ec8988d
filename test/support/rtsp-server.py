#!/usr/bin/python3
"""A loopback RTSP server for ingest tests: serves H.264 from a test pattern (or a file) at
rtsp://127.0.0.1:<port>/<path>. Prints "ready <url>" on stdout once it listens; stops on SIGTERM/SIGINT.

Exit status 3 means GStreamer or its RTSP server bindings are missing (the test skips on it).
"""
import argparse
import signal
import sys

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer
except (ImportError, ValueError) as err:
    print(f"missing GStreamer RTSP server bindings: {err}", file=sys.stderr)
    sys.exit(3)


def pipeline(args: argparse.Namespace) -> str:
    if args.file:
        # Decoded and re-encoded so that any container/codec works and the stream loops forever.
        source = f'multifilesrc location="{args.file}" loop=true ! decodebin ! videoconvert ! videoscale ! videorate'
    else:
        source = "videotestsrc is-live=true pattern=ball"
    caps = f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
    encoder = (
        f"x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.kbps} key-int-max={args.fps}"
        if Gst.ElementFactory.find("x264enc")
        else f"openh264enc bitrate={args.kbps * 1000} gop-size={args.fps}"
    )
    return f"( {source} ! {caps} ! {encoder} ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--file", help="video file to serve instead of a test pattern")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--kbps", type=int, default=500)
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args))
    # One encoder for all clients, like a camera.
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 2

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"ready rtsp://127.0.0.1:{args.port}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
