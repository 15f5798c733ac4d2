#!/usr/bin/env bash
# The first-export guide (docs/guides/first-export.md), steps 2-8, its curl commands verbatim.
# The only change: the guide's placeholder ids (ord_123, batch_123, cp_123) are the ids the
# previous steps returned. Needs the ENTRYGO_* variables of step 1 (`eval "$(entrygo demo)"`).
# Prints each response on one line, prefixed with its step, for the caller to check.
set -euo pipefail
: "${ENTRYGO_BASE_URL:?}" "${ENTRYGO_API_KEY:?}" "${ENTRYGO_ACCOUNT_ID:?}"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "step2 $(curl -s "$ENTRYGO_BASE_URL/api/system/health" \
-H "authorization: Bearer $ENTRYGO_API_KEY")"

STEP3=$(curl -s -X POST "$ENTRYGO_BASE_URL/api/orders/sync" \
-H "authorization: Bearer $ENTRYGO_API_KEY" \
-H "content-type: application/json" \
-H "idempotency-key: first-export-orders-001" \
-d '{
"accountId": "'"$ENTRYGO_ACCOUNT_ID"'",
"items": [
{
"externalId": "ord-ext-1001",
"destinationCountry": "US",
"destinationRegion": "CA",
"destinationPostalCode": "94105",
"items": [
{
"productId": "'"$ENTRYGO_PRODUCT_ID"'",
"quantity": 1,
"unitValueUsd": 110
}
],
"metadata": {
"source": "first-export-guide"
}
}
]
}')
echo "step3 $STEP3"
ord_123=$(echo "$STEP3" | json '["data"][0]["id"]')

STEP4=$(curl -s -X POST "$ENTRYGO_BASE_URL/api/exports/plan" \
-H "authorization: Bearer $ENTRYGO_API_KEY" \
-H "content-type: application/json" \
-H "idempotency-key: first-export-plan-001" \
-d '{
"accountId": "'"$ENTRYGO_ACCOUNT_ID"'",
"warehouseId": "'"$ENTRYGO_WAREHOUSE_ID"'",
"brokerId": "'"$ENTRYGO_BROKER_ID"'",
"destinationCountry": "US",
"orderIds": ["'"$ord_123"'"],
"dryRun": false
}')
echo "step4 $STEP4"
batch_123=$(echo "$STEP4" | json '["exportId"]')

STEP6=$(curl -s -X POST "$ENTRYGO_BASE_URL/api/exports/execute" \
-H "authorization: Bearer $ENTRYGO_API_KEY" \
-H "content-type: application/json" \
-H "idempotency-key: first-export-execute-001" \
-d '{
"accountId": "'"$ENTRYGO_ACCOUNT_ID"'",
"batchId": "'"$batch_123"'"
}')
echo "step6 $STEP6"
cp_123=$(echo "$STEP6" | json '["customs_package_id"]')

echo "step7 $(curl -s "$ENTRYGO_BASE_URL/api/exports/$batch_123" \
-H "authorization: Bearer $ENTRYGO_API_KEY")"

echo "step8 $(curl -s "$ENTRYGO_BASE_URL/api/customs-packages/$cp_123" \
-H "authorization: Bearer $ENTRYGO_API_KEY")"
