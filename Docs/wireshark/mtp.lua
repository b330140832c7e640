-- A Wireshark dissector for the Mail Transfer Protocol of RFC 780 (and the RFC 772 draft), on
-- TCP port 57, which Wireshark does not know. Written for Mailpath's packet traces
-- (`mailpath run --pcap FILE`), and for any MTP session:
--
--   wireshark -X lua_script:Docs/wireshark/mtp.lua trace.pcapng
--   tshark    -X lua_script:Docs/wireshark/mtp.lua -r trace.pcapng
--
-- Commands (MAIL, MRSQ, MRCP, ...) and replies (a three-digit code and text, RFC 780 §5.2) are
-- lines ending in CR LF. After a 354 reply the sender's lines are message text, up to a line
-- holding only "." (RFC 780 §5.1.1, with dot-stuffing, §5.5.2). A line split over two segments
-- is reassembled before it is shown.

local mtp = Proto("mtp", "Mail Transfer Protocol (RFC 780)")

local f_command = ProtoField.string("mtp.command", "Command")
local f_parameter = ProtoField.string("mtp.parameter", "Parameter")
local f_code = ProtoField.uint16("mtp.reply.code", "Reply code", base.DEC)
local f_reply = ProtoField.string("mtp.reply.text", "Reply text")
local f_text = ProtoField.string("mtp.text", "Message text line")
local f_end = ProtoField.none("mtp.text.end", "End of message text")
mtp.fields = { f_command, f_parameter, f_code, f_reply, f_text, f_end }

local PORT = 57

-- Whether the sender's next line is message text, per TCP stream, as of each frame: the first
-- pass records it, later passes (the GUI re-dissects at will) read it back.
local in_text = {}
local text_at_frame = {}

function mtp.init()
    in_text = {}
    text_at_frame = {}
end

local tcp_stream = Field.new("tcp.stream")

function mtp.dissector(tvb, pinfo, tree)
    local length = tvb:len()
    if length == 0 then return 0 end
    local bytes = tvb:raw()
    -- Dissect whole lines only: ask TCP for more when the segment ends inside one.
    if bytes:sub(-2) ~= "\r\n" then
        pinfo.desegment_offset = 0
        pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
        return
    end
    pinfo.cols.protocol = "MTP"
    local stream = tcp_stream()
    local key = stream and tostring(stream.value) or "0"
    local from_server = pinfo.src_port == PORT
    local subtree = tree:add(mtp, tvb(), "Mail Transfer Protocol")

    local text
    if pinfo.visited then
        text = text_at_frame[pinfo.number]
    else
        text = in_text[key] or false
        text_at_frame[pinfo.number] = text
    end

    local info = {}
    local offset = 0
    while offset < length do
        local stop = bytes:find("\r\n", offset + 1, true)
        if not stop then break end
        local line = bytes:sub(offset + 1, stop - 1)
        local range = tvb(offset, stop + 1 - offset)
        if from_server then
            local code, rest = line:match("^(%d%d%d)[ -]?(.*)$")
            if code then
                local item = subtree:add(f_code, range, tonumber(code))
                item:append_text(" " .. rest)
                subtree:add(f_reply, range, rest)
                if code == "354" then text = true end
            end
            info[#info + 1] = "R: " .. line
        elseif text then
            if line == "." then
                subtree:add(f_end, range)
                text = false
                info[#info + 1] = "S: <CRLF>.<CRLF>"
            else
                subtree:add(f_text, range, line)
                if #info == 0 or info[#info] ~= "S: <message text>" then info[#info + 1] = "S: <message text>" end
            end
        else
            local verb, parameter = line:match("^(%S+)%s*(.*)$")
            if verb then
                subtree:add(f_command, range, verb:upper())
                if parameter ~= "" then subtree:add(f_parameter, range, parameter) end
            end
            info[#info + 1] = "S: " .. line
        end
        offset = stop + 1
    end
    if not pinfo.visited then in_text[key] = text end
    pinfo.cols.info = table.concat(info, " | ")
    return length
end

DissectorTable.get("tcp.port"):add(PORT, mtp)
