-- wrk script for bench/run: POST /v1/orders with a fresh random body per request.
--
-- Each order has 3 lines over 2 vendors, as bench/seed.sql lays the catalogue out: two
-- distinct SKUs of vendor A (SKU-0001 … SKU-<per_vendor>) and one of vendor B (the next
-- per_vendor SKUs), quantity 1 each, delivered to Berlin; the planner routes it to two
-- suborders. Environment:
--   BENCH_TOKEN       channel API key (required)
--   BENCH_PER_VENDOR  SKUs per vendor (default 100)
--   BENCH_CUSTOMERS   distinct customer ids drawn from (default 10000)
--
-- Every status other than 201 is counted; done() prints one machine-readable line that
-- bench/run parses:
--   BENCH requests=… created=… non201=… … p50_ms=… p99_ms=… statuses=409:3,500:1 sample=<body>

local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
    error("BENCH_TOKEN is not set")
end
local per_vendor = tonumber(os.getenv("BENCH_PER_VENDOR") or "100")
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "10000")

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_number", #threads)
end

function init(args)
    created = 0
    non201 = 0
    statuses = {}
    sample = ""
    status_text = ""
    math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
    wrk.method = "POST"
    wrk.path = "/v1/orders"
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
end

local function sku(n)
    return string.format("SKU-%04d", n)
end

local body_format = '{"customer":{"id":"bench-c-%d","email":"c%d@example.com"},"currency":"EUR",'
    .. '"fulfillment":{"type":"delivery","address":{"country":"DE","postal_code":"10115",'
    .. '"latitude":52.53,"longitude":13.38}},'
    .. '"lines":[{"sku":"%s","quantity":1},{"sku":"%s","quantity":1},{"sku":"%s","quantity":1}]}'

function request()
    local a1 = math.random(1, per_vendor)
    local a2 = math.random(1, per_vendor - 1)
    if a2 >= a1 then
        a2 = a2 + 1
    end
    local b = per_vendor + math.random(1, per_vendor)
    local customer = math.random(1, customers)
    local body = string.format(body_format, customer, customer, sku(a1), sku(a2), sku(b))
    return wrk.format(nil, nil, nil, body)
end

-- Per-thread counters travel to done() as scalars (thread:get copies values between states).
local function status_string()
    local parts = {}
    for code, count in pairs(statuses) do
        table.insert(parts, code .. ":" .. count)
    end
    table.sort(parts)
    return table.concat(parts, ",")
end

function response(status, headers, body)
    if status == 201 then
        created = created + 1
        return
    end
    non201 = non201 + 1
    statuses[status] = (statuses[status] or 0) + 1
    status_text = status_string()
    if sample == "" and body ~= nil then
        sample = string.sub(string.gsub(body, "%s+", " "), 1, 400)
    end
end

function done(summary, latency, requests)
    local total_created, total_non201 = 0, 0
    local by_status = {}
    local first_sample = ""
    for _, thread in ipairs(threads) do
        total_created = total_created + (thread:get("created") or 0)
        total_non201 = total_non201 + (thread:get("non201") or 0)
        local text = thread:get("status_text") or ""
        for code, count in string.gmatch(text, "(%d+):(%d+)") do
            by_status[code] = (by_status[code] or 0) + tonumber(count)
        end
        local s = thread:get("sample") or ""
        if first_sample == "" then
            first_sample = s
        end
    end
    local parts = {}
    for code, count in pairs(by_status) do
        table.insert(parts, code .. ":" .. count)
    end
    table.sort(parts)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d created=%d non201=%d duration_s=%.3f orders_per_s=%.1f "
            .. "mean_ms=%.2f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
            .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d statuses=%s sample=%s\n",
        summary.requests, total_created, total_non201, seconds, total_created / seconds,
        latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        e.connect, e.read, e.write, e.timeout, table.concat(parts, ","), first_sample))
end
