-- Vendor-feed pollers for bench/feed, in wrk (run with -t N -c N: one connection per thread,
-- so each thread is one poller following one vendor's feed). A poller pages through its
-- backlog (FEED_LIMIT suborders a page) and, once caught up, polls 20 times a second
-- (delay() waits 50 ms after a short page; wrk's latency excludes that wait). With
-- FEED_PAUSE_MS set, a poller waits about that long after every answer, full page or not: a
-- poller on a timer rather than one catching up as fast as it can. Each wait is drawn from
-- 0.5-1.5 times the pause, as pollers of separate vendors keep no common beat: without it the
-- 16 pollers, started in the same instant, stayed in step and asked for their pages in bursts
-- of 16.
--
-- Why wrk and not a Python client: 16 Python threads share one interpreter lock, so a poll's
-- measured time included other pollers parsing their 100-suborder pages (a backlog page
-- measured 42 ms p50 from Python while the server answered it in a few). wrk measures the
-- server, not the client.
--
-- Env: FEED_KEYS (file of "vendor_id token" lines, one per poller), FEED_LIMIT (page size;
-- empty: no limit parameter, the API's default of 50).
--
-- Backlog pages and caught-up polls are timed apart too (request() to response(), on the
-- monotonic clock through LuaJIT's ffi; wrk calls request() just before it stamps the start):
-- the two answer different questions, how fast a vendor catches up and how quickly a vendor
-- that keeps up learns of a change.

local ffi = require("ffi")
ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } feed_timespec;
    int clock_gettime(int clock, feed_timespec *out);
]]
local clock = ffi.new("feed_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
    return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local keys = {}
local limit_text = os.getenv("FEED_LIMIT") or ""
local limit = tonumber(limit_text) or 50
local pause = tonumber(os.getenv("FEED_PAUSE_MS") or "")
local seeded = false
local function paused()
    if not seeded then
        -- Each thread has its own Lua state; its vendor tells the states apart.
        local seed = os.time()
        for i = 1, #vendor do seed = (seed * 31 + vendor:byte(i)) % 2147483647 end
        math.randomseed(seed)
        seeded = true
    end
    return math.floor(pause * (0.5 + math.random()))
end
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
    thread:set("limit_text", limit_text)
    thread:set("pause", pause)
    threads[#threads + 1] = thread
end

-- Per thread (each thread has its own Lua state).
backlog, caught_up, errors, items = 0, 0, 0, 0
backlog_ms, caught_up_ms = {}, {}
local cursor = nil
local wait = 0
local started = 0

local function escape(text)
    return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function request()
    local query = {}
    if limit_text ~= "" then query[#query + 1] = "limit=" .. limit_text end
    if cursor then query[#query + 1] = "after=" .. escape(cursor) end
    local path = "/v1/vendors/" .. vendor .. "/suborders"
    if #query > 0 then path = path .. "?" .. table.concat(query, "&") end
    started = now_ms()
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function delay()
    return wait
end

function response(status, headers, body)
    local elapsed = now_ms() - started
    if status ~= 200 then
        errors = errors + 1
        wait = pause and paused() or 0
        return
    end
    -- Each suborder has one "order_id" member; its lines have "order_line_id" instead.
    -- Counted with a plain find, not gsub, which would copy the whole body: the pollers share
    -- the server's two cores, and every cycle they spend is taken from the server.
    local n, at = 0, 1
    while true do
        local found = body:find('"order_id":', at, true)
        if not found then break end
        n = n + 1
        at = found + 11
    end
    items = items + n
    -- next_cursor is the page's last member: look for it near the end only.
    cursor = body:match('"next_cursor":"([^"]*)"', math.max(1, #body - 512)) or cursor
    if n >= limit then
        backlog = backlog + 1
        backlog_ms[#backlog_ms + 1] = elapsed
        wait = pause and paused() or 0
    else
        caught_up = caught_up + 1
        caught_up_ms[#caught_up_ms + 1] = elapsed
        wait = pause and paused() or 50
    end
end

local function percentiles(samples)
    table.sort(samples)
    local function at(p)
        if #samples == 0 then return 0 end
        return samples[math.max(1, math.ceil(#samples * p / 100))]
    end
    return at(50), at(99), samples[#samples] or 0
end

function done(summary, latency, requests)
    local b, c, e, i = 0, 0, 0, 0
    local all_backlog, all_caught_up = {}, {}
    for _, t in ipairs(threads) do
        b = b + t:get("backlog")
        c = c + t:get("caught_up")
        e = e + t:get("errors")
        i = i + t:get("items")
        for _, v in ipairs(t:get("backlog_ms")) do all_backlog[#all_backlog + 1] = v end
        for _, v in ipairs(t:get("caught_up_ms")) do all_caught_up[#all_caught_up + 1] = v end
    end
    local errs = e + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
        + summary.errors.timeout
    io.write(string.format(
        "FEED polls=%d backlog_pages=%d caught_up_polls=%d items=%d errors=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
        summary.requests, b, c, i, errs, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
    local bp50, bp99, bmax = percentiles(all_backlog)
    local cp50, cp99, cmax = percentiles(all_caught_up)
    io.write(string.format(
        "FEEDSPLIT backlog_p50_ms=%.2f backlog_p99_ms=%.2f backlog_max_ms=%.2f caught_up_p50_ms=%.2f caught_up_p99_ms=%.2f caught_up_max_ms=%.2f\n",
        bp50, bp99, bmax, cp50, cp99, cmax))
end
