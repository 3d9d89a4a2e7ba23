from orders.checks import carrier_webhook_secret


def test_missing_carrier_secret_is_a_deploy_warning(settings):
    # Given production settings without a carrier webhook secret
    settings.CARRIER_WEBHOOK_SECRET = None
    # When the deploy checks run
    messages = carrier_webhook_secret(None)
    # Then one warning names the setting
    assert [m.id for m in messages] == ["orders.W001"]
    assert "CARRIER_WEBHOOK_SECRET" in messages[0].msg


def test_configured_carrier_secret_passes(settings):
    # Given a secret / When the checks run / Then nothing is reported
    settings.CARRIER_WEBHOOK_SECRET = "s3cret"
    assert carrier_webhook_secret(None) == []
