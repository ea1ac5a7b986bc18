#!/usr/bin/python3
# A syslog receiver for the testbed's Cyrus, which logs only through syslog(3) to /dev/log: listens on a Unix
# datagram socket (the /dev/log of Cyrus's private mount namespace, src/testbed/cyrus.ts) and appends each
# message to a file the way rsyslog's default file format writes it:
#   "Dec  6 13:05:01 HOST ident[pid]: message"
# so that what maildoctor reads is what an admin's /var/log/mail.log holds. Stops on SIGTERM.
#
# usage: testbed-syslog.py SOCKET LOGFILE HOST
import os
import re
import signal
import socket
import sys

sock_path, log_path, host = sys.argv[1], sys.argv[2], sys.argv[3]
# glibc's syslog(3): "<PRI>Mmm dd hh:mm:ss ident[pid]: message" (the timestamp is the sender's local time)
HEADER = re.compile(rb'^<\d{1,3}>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (.*)$', re.S)

try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
os.chmod(sock_path, 0o666)  # Cyrus's services run as the cyrus user
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
out = open(log_path, 'ab', buffering=0)
print('ready', flush=True)
while True:
    data = s.recv(65536).rstrip(b'\n\x00')
    m = HEADER.match(data)
    line = m.group(1) + b' ' + host.encode() + b' ' + m.group(2) if m else data
    out.write(line.replace(b'\n', b' ') + b'\n')
