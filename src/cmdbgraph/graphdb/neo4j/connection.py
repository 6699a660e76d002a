"""Reaching a Neo4j server: options, one shared driver per process, and error translation.

- :class:`Neo4jOptions`: credentials, database, rows per ``UNWIND`` statement, the server flavour
  (``neo4j``, or ``falkordb`` for FalkorDB's Bolt listener; see the store's docstring) and how
  long to wait for a connection.
- :func:`shared_driver`: the process's driver for a server and login, verified on first use and
  closed at exit.
- :func:`translated`: driver exceptions turned into the project's errors at this boundary.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from neo4j import Driver, GraphDatabase
from neo4j import exceptions as neo

from cmdbgraph.schema import StoreConflict, StoreError, StoreUnavailable

Flavour = Literal["neo4j", "falkordb"]


@dataclass(frozen=True)
class Neo4jOptions:
    """How to reach the server: credentials, database (``None``: the server's default),
    rows per ``UNWIND`` statement, the server flavour (see the module docstring), and seconds
    to wait for a connection (default 30; 1 for FalkorDB's listener, which silently drops the
    first handshake after a client disconnects, so a short wait and a retry beat a long wait)."""

    user: str = "neo4j"
    password: str = ""
    database: str | None = None
    batch_size: int = 5000
    flavour: Flavour = "neo4j"
    connect_timeout: float | None = None

    def timeout(self) -> float:
        """Seconds to wait for a connection."""
        if self.connect_timeout is not None:
            return self.connect_timeout
        return 30.0 if self.flavour == "neo4j" else 1.0


@contextmanager
def translated(uri: str) -> Iterator[None]:
    """Turn driver exceptions into the project's errors (with stable codes)."""
    try:
        yield
    except neo.AuthError as exc:
        raise StoreUnavailable(
            f"Neo4j at {uri} refused the credentials (set CMDBGRAPH_NEO4J_USER and "
            f"CMDBGRAPH_NEO4J_PASSWORD): {exc.message}"
        ) from None
    except (neo.ServiceUnavailable, neo.SessionExpired) as exc:
        raise StoreUnavailable(f"cannot reach Neo4j at {uri}: {exc}") from None
    except neo.ConstraintError as exc:
        raise StoreConflict(f"Neo4j refused a write that breaks a constraint: {exc.message}") from None
    except neo.TransientError as exc:
        raise StoreConflict(f"Neo4j kept refusing the transaction ({exc.code}): {exc.message}") from None
    except neo.Neo4jError as exc:
        raise StoreError(f"Neo4j error {exc.code}: {exc.message}") from None
    except neo.DriverError as exc:
        raise StoreError(f"Neo4j driver error talking to {uri}: {exc}") from None


_DRIVERS: dict[tuple[str, str, str], Driver] = {}
_DRIVERS_LOCK = threading.Lock()
CONNECT_ATTEMPTS = 3


def shared_driver(uri: str, options: Neo4jOptions) -> Driver:
    """The process's driver for ``uri`` and these credentials, created and verified on first use.

    One driver per process and server is how the driver is meant to be used (it pools
    connections and routes in a cluster); every store on the same server shares it, and the
    drivers are closed when the process exits. Connecting is attempted ``CONNECT_ATTEMPTS``
    times, so a server that drops one handshake (FalkorDB's listener does after a client
    disconnects) does not fail the start.
    """
    key = (uri, options.user, options.password)
    with _DRIVERS_LOCK:
        driver = _DRIVERS.get(key)
        if driver is not None:
            return driver
        wait = options.timeout()
        driver = GraphDatabase.driver(
            uri,
            auth=(options.user, options.password),
            connection_timeout=wait,
            connection_acquisition_timeout=wait,
        )
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                driver.verify_connectivity()
                break
            except neo.ServiceUnavailable:
                if attempt == CONNECT_ATTEMPTS:
                    driver.close()
                    raise
            except BaseException:
                driver.close()
                raise
        if not _DRIVERS:
            atexit.register(_close_drivers)
        _DRIVERS[key] = driver
        return driver


def _close_drivers() -> None:
    with _DRIVERS_LOCK:
        for driver in _DRIVERS.values():
            driver.close()
        _DRIVERS.clear()
