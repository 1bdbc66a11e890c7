// Controller ownerReferences between a SemanticRouter and what it renders:
// they let the garbage collector clean up, let events on an owned object find
// their router, and are the only proof the agent uses that it may prune or
// delete an object.
#pragma once

#include <optional>
#include <string>

#include "shared/json/json.h"

namespace srfleet::agent {

// {apiVersion vllm.ai/v1alpha1, kind SemanticRouter, name, uid,
//  controller: true, blockOwnerDeletion: true}
Json ControllerOwnerRef(const Json& router);

// Sets metadata.ownerReferences of `object` to exactly the router's
// controller reference (rendered objects carry none of their own).
void SetControllerOwner(Json& object, const Json& router);

// The uid of the object's controller ownerReference when it is a
// SemanticRouter; nullopt otherwise.
std::optional<std::string> ControllingRouterUid(const Json& object);

// Whether some ownerReference of `object` has this uid.
bool HasOwnerUid(const Json& object, const std::string& uid);

}  // namespace srfleet::agent
