// The DynamoDB API over the jobs table (X-Amz-Target DynamoDB_20120810.<Operation>, shapes as
// botocore's dynamodb model), one table with KeySchema [id HASH S]:
//
//   DescribeTable, ListTables          the one table, its stream (the Streams API's ARN)
//   GetItem, BatchGetItem, Scan        reads on the calling (HTTP I/O) thread from the store's read
//                                      pool, as GET /jobs/{id} (table_reads.cc)
//   PutItem, UpdateItem, DeleteItem    JobStore::WriteItem: the condition and the write decided on
//                                      the store's writer inside the transaction, answered once
//                                      durable (item_writes.cc)
//
// Items are stored exactly as written (a PutItem of a new id is a new job: an INSERT record its
// consumers see); the store keeps its one rule, a numeric `version` (store/item_write.h).
#pragma once

#include "dynamodb/json_protocol.h"
#include "store/job_store.h"
#include "stream/stream_record.h"

namespace jobstream::dynamodb {

// Thread-safe; the store must outlive it.
class TableApi {
 public:
  TableApi(store::JobStore& store, stream::StreamViewType view_type) : store_(store), view_type_(view_type) {}

  // Every operation, bound to this object, for JsonProtocol::Register(kTableTargetPrefix, …).
  OperationTable Operations() const;

  OperationResult DescribeTable(const boost::json::object& input) const;
  OperationResult ListTables(const boost::json::object& input) const;
  OperationResult GetItem(const boost::json::object& input) const;
  OperationResult BatchGetItem(const boost::json::object& input) const;
  OperationResult Scan(const boost::json::object& input) const;
  void PutItem(const boost::json::object& input, OperationRespond respond) const;
  void UpdateItem(const boost::json::object& input, OperationRespond respond) const;
  void DeleteItem(const boost::json::object& input, OperationRespond respond) const;

 private:
  // Constant after construction.
  store::JobStore& store_;
  const stream::StreamViewType view_type_;
};

}  // namespace jobstream::dynamodb
