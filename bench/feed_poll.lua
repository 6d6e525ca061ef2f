-- Vendor-feed pollers for bench/feed, in wrk (run with -t N -c N: one connection per thread,
-- so each thread is one poller following one vendor's feed). A poller pages through its
-- backlog (FEED_LIMIT suborders a page) and, once caught up, polls 20 times a second
-- (delay() waits 50 ms after a short page; wrk's latency excludes that wait).
--
-- Why wrk and not a Python client: 16 Python threads share one interpreter lock, so a poll's
-- measured time included other pollers parsing their 100-suborder pages (a backlog page
-- measured 42 ms p50 from Python while the server answered it in a few). wrk measures the
-- server, not the client.
--
-- Env: FEED_KEYS (file of "vendor_id token" lines, one per poller), FEED_LIMIT (page size).

local keys = {}
local limit = tonumber(os.getenv("FEED_LIMIT") or "100")
local threads = {}

function setup(thread)
    if #keys == 0 then
        for line in io.lines(os.getenv("FEED_KEYS")) do
            local vendor, token = line:match("^(%S+)%s+(%S+)")
            if vendor then keys[#keys + 1] = { vendor, token } end
        end
    end
    local pair = keys[(#threads % #keys) + 1]
    thread:set("vendor", pair[1])
    thread:set("token", pair[2])
    thread:set("limit", limit)
    threads[#threads + 1] = thread
end

-- Per thread (each thread has its own Lua state).
backlog, caught_up, errors, items = 0, 0, 0, 0
local cursor = nil
local wait = 0

local function escape(text)
    return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function request()
    local path = "/v1/vendors/" .. vendor .. "/suborders?limit=" .. limit
    if cursor then path = path .. "&after=" .. escape(cursor) end
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function delay()
    return wait
end

function response(status, headers, body)
    if status ~= 200 then
        errors = errors + 1
        wait = 0
        return
    end
    -- Each suborder has one "order_id" member; its lines have "order_line_id" instead.
    local _, n = body:gsub('"order_id":', "")
    items = items + n
    cursor = body:match('"next_cursor":"([^"]*)"') or cursor
    if n >= limit then
        backlog = backlog + 1
        wait = 0
    else
        caught_up = caught_up + 1
        wait = 50
    end
end

function done(summary, latency, requests)
    local b, c, e, i = 0, 0, 0, 0
    for _, t in ipairs(threads) do
        b = b + t:get("backlog")
        c = c + t:get("caught_up")
        e = e + t:get("errors")
        i = i + t:get("items")
    end
    local errs = e + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
        + summary.errors.timeout
    io.write(string.format(
        "FEED polls=%d backlog_pages=%d caught_up_polls=%d items=%d errors=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
        summary.requests, b, c, i, errs, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
end
