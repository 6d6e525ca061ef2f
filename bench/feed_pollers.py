#!/usr/bin/env python3
"""16 concurrent vendor-feed pollers for bench/feed (stdlib only).

Each poller holds one vendor's key and follows GET /v1/vendors/{id}/suborders from the start
of the feed: first through the backlog (pages of --limit), then, caught up, polling for what
new orders add. Every poll's latency is recorded (time to the whole response). Prints one
JSON object: counts and percentiles, overall, for backlog pages and for caught-up polls.
"""
import argparse, http.client, json, threading, time, sys
from urllib.parse import quote


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return round(values[k], 2)


def poller(port, vendor, token, limit, stop_at, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    cursor = None
    backlog, caught_up, errors, items = [], [], 0, 0
    headers = {"Authorization": "Bearer " + token}
    while time.monotonic() < stop_at:
        path = f"/v1/vendors/{vendor}/suborders?limit={limit}"
        if cursor:
            path += "&after=" + quote(cursor)
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except Exception:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        ms = (time.perf_counter() - start) * 1000
        if response.status != 200:
            errors += 1
            continue
        page = json.loads(body)
        n = len(page["data"])
        items += n
        (backlog if n == limit else caught_up).append(ms)
        cursor = page["next_cursor"]
        if n < limit:
            time.sleep(0.05)  # a caught-up poller polls 20 times a second
    out.append((backlog, caught_up, errors, items))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keys", required=True, help="file of 'vendor_id token' lines")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    pairs = [line.split() for line in open(args.keys) if line.strip()]
    stop_at = time.monotonic() + args.seconds
    out = []
    threads = [threading.Thread(target=poller, args=(args.port, v, t, args.limit, stop_at, out)) for v, t in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    backlog = [ms for b, _, _, _ in out for ms in b]
    caught = [ms for _, c, _, _ in out for ms in c]
    both = backlog + caught
    result = {
        "pollers": len(pairs), "seconds": args.seconds, "polls": len(both), "errors": sum(e for _, _, e, _ in out),
        "items": sum(i for _, _, _, i in out), "polls_per_s": round(len(both) / args.seconds, 1),
        "all_p50_ms": percentile(both, 50), "all_p99_ms": percentile(both, 99),
        "backlog_polls": len(backlog), "backlog_p50_ms": percentile(backlog, 50), "backlog_p99_ms": percentile(backlog, 99),
        "caught_up_polls": len(caught), "caught_up_p50_ms": percentile(caught, 50), "caught_up_p99_ms": percentile(caught, 99),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
