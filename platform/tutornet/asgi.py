"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket connections resolve the organisation from the Host header exactly
like HTTP requests (same cached lookup) and are refused for unknown hosts.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutornet.settings")
# This process serves requests: its database connections come from a pool (settings, DB_POOL_MAX).
os.environ.setdefault("TUTORNET_ASGI", "1")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from consultations.routing import websocket_urlpatterns as consultations_websockets  # noqa: E402
from notifications.routing import websocket_urlpatterns as notifications_websockets  # noqa: E402
from tutornet.channels_tenancy import TenantWebsocketMiddleware  # noqa: E402

websocket_urlpatterns = notifications_websockets + consultations_websockets

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TenantWebsocketMiddleware(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
