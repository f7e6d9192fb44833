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
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the server's certificate with, for a private CA.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection and for each answer.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is repeated, with exponential backoff and the server's C(Retry-After).
      - Reads are repeated after HTTP 429, 502, 503, 504 and lost connections.
      - Writes are repeated only after HTTP 429 or 503 and after a connection failed before the request
        was sent, so a write is never applied twice.
    type: int
    default: 3
requirements:
  - requests
'''
