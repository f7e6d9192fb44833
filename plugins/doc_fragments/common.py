# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options of the shared HTTP client, common to every module."""

    DOCUMENTATION = r'''
options:
  validate_certs:
    description:
      - Verify the server's TLS certificate.
      - Turning this off prints a warning on every run; prefer O(ca_path) for a private CA.
      - If not set, the value of the vendor's environment variable is used - E(ARCGIS_VALIDATE_CERTS),
        E(HUAWEICLOUD_VALIDATE_CERTS) or E(ECE_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file (or a directory of them) of CA certificates to verify the server's certificate with, for a
        private CA. A directory is read file by file, so it needs no C(openssl rehash). A path that does not exist,
        that is neither a regular file nor a directory (a FIFO), or a directory without any certificate fails the
        task before any request.
      - If not set, the value of the vendor's environment variable is used - E(ARCGIS_CA_PATH),
        E(HUAWEICLOUD_CA_PATH) or E(ECE_CA_PATH).
      - Without any, a CA bundle named by the E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) environment variable is
        used, else the system's.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection and for each piece of an answer, at most V(3600).
      - It also sets the overall deadline of each request. All its attempts, the waits between them (including
        the server's C(Retry-After)) and every byte of the answer end within O(timeout) x (O(retries) + 1)
        seconds, however slowly the server sends.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is repeated, with exponential backoff and the server's C(Retry-After).
      - Reads are repeated after HTTP 429, 502, 503, 504 and lost connections.
      - Writes are repeated only after HTTP 429 or 503 and after a connection failed before the request
        was sent, so a write is never applied twice.
      - At most V(10). A retry whose wait would pass the overall deadline (see O(timeout)) is not made.
    type: int
    default: 3
notes:
  - Proxies are taken from the environment (E(HTTPS_PROXY), E(HTTP_PROXY), E(NO_PROXY)); credentials from
    C(~/.netrc) are never used.
  - An answer larger than 32 MiB fails the task.
  - When a request fails, the task fails with C(msg), one sentence that names the operation, the URL, the HTTP
    status and the vendor's own code and message. Besides the return values gathered so far, the result then has
    the details that are known - C(operation), C(method), C(url), C(http_status), C(error_code),
    C(vendor_message), C(retries) (the retries made) and, for a DCS job that failed or timed out, C(job_id),
    C(job_status) and C(fail_reason).
requirements:
  - requests
'''
