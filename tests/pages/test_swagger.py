"""Swagger UI's "Try it out" after "Authorize", in a real Chromium against a served app.

The token comes from the document's oauth2 client-credentials flow (POST /oauth/token), and
Swagger UI sends it because the operation carries a ``security`` requirement.
"""

from playwright.sync_api import Browser

from tests.pages.conftest import Server


def test_try_it_out_works_after_authorize(browser: Browser, server: Server) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server.base}/schema/swagger")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    oauth = dialog.locator(".auth-container").filter(has_text="clientCredentials")
    oauth.locator("input#client_id_clientCredentials").fill(server.demo["clientId"])
    oauth.locator("input#client_secret_clientCredentials").fill(server.demo["clientSecret"])
    oauth.locator("button.authorize").click()
    oauth.locator("button", has_text="Logout").wait_for()
    dialog.locator("button.btn-done").first.click()

    operation = page.locator("#operations-xAPI-ListXapiMappings")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.wait_for()

    assert status.inner_text().strip() == "200"
    curl = operation.locator(".curl-command").inner_text()
    assert "Authorization: Bearer" in curl
    page.context.close()
